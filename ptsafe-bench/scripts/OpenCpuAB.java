import java.lang.invoke.*;
import java.lang.management.*;
import java.net.*;
import java.nio.file.*;
import java.util.*;

/**
 * Thread CPU of one open (parse, validate, index, one lookup, close: what OpenCpuTime times) of two builds
 * of ptsafe in one JVM, for a machine too loaded for wall-clock or even separate CPU runs: each build's
 * jars (a bench folder's {@code lib/}) in a class loader of its own, batches of opens alternating between
 * them, and the median of the per-batch ratios. The two builds share the load, the JIT and the heap, so
 * their ratio moves far less than two runs of OpenCpuTime do.
 *
 * <pre>java ptsafe-bench/scripts/OpenCpuAB.java FILE PAIRS BRANCH_DIR [BASE_DIR]</pre>
 * (a DIR holds benchmarks.jar's lib/; BASE_DIR defaults to /work/base-94b6da7). A bench tool: it
 * reaches ptsafe through method handles, which the library itself never does.
 */
public class OpenCpuAB {
    static URLClassLoader loader(String dir) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String j : new String[] {"ptsafe-api", "ptsafe-safetensors", "jackson-core", "commons-compress", "xz", "commons-io", "commons-lang3", "commons-codec"}) {
            try (var s = Files.list(Path.of(dir, "lib"))) {
                s.filter(p -> p.getFileName().toString().startsWith(j + "-")).forEach(p -> { try { urls.add(p.toUri().toURL()); } catch (Exception e) { throw new RuntimeException(e); } });
            }
        }
        return new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
    }
    interface Op { long run() throws Throwable; }
    static Op op(ClassLoader l, Path file) throws Throwable {
        Class<?> sl = Class.forName("io.ptsafe.SafeLoader", true, l);
        Class<?> tf = Class.forName("io.ptsafe.TensorFile", true, l);
        Class<?> t = Class.forName("io.ptsafe.Tensor", true, l);
        MethodHandles.Lookup lk = MethodHandles.publicLookup();
        MethodHandle open = lk.findStatic(sl, "open", MethodType.methodType(tf, Path.class));
        MethodHandle tensors = lk.findVirtual(tf, "tensors", MethodType.methodType(List.class));
        MethodHandle tensor = lk.findVirtual(tf, "tensor", MethodType.methodType(t, String.class));
        MethodHandle numel = lk.findVirtual(t, "numel", MethodType.methodType(long.class));
        MethodHandle name = lk.findVirtual(t, "name", MethodType.methodType(String.class));
        MethodHandle close = lk.findVirtual(tf, "close", MethodType.methodType(void.class));
        Object f0 = open.invoke(file);
        List<?> l0 = (List<?>) tensors.invoke(f0);
        String last = (String) name.invoke(l0.get(l0.size() - 1));
        close.invoke(f0);
        return () -> {
            Object f = open.invoke(file);
            try {
                List<?> ts = (List<?>) tensors.invoke(f);
                return ts.size() + (long) numel.invoke(tensor.invoke(f, last));
            } finally { close.invoke(f); }
        };
    }
    public static void main(String[] a) throws Throwable {
        Path file = Path.of(a[0]);
        int rounds = Integer.parseInt(a[1]);
        Op base = op(loader(a.length > 3 ? a[3] : "/work/base-94b6da7"), file), neu = op(loader(a[2]), file);
        ThreadMXBean th = ManagementFactory.getThreadMXBean();
        long t0 = th.getCurrentThreadCpuTime();
        int n = 0;
        while (th.getCurrentThreadCpuTime() - t0 < 6_000_000_000L) { base.run(); neu.run(); n++; }
        int per = Math.max(1, n / 30);
        double[] rb = new double[rounds], rn = new double[rounds], ratio = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long c = th.getCurrentThreadCpuTime();
            for (int i = 0; i < per; i++) base.run();
            long c1 = th.getCurrentThreadCpuTime();
            for (int i = 0; i < per; i++) neu.run();
            long c2 = th.getCurrentThreadCpuTime();
            rb[r] = (c1 - c) / 1e3 / per; rn[r] = (c2 - c1) / 1e3 / per; ratio[r] = rn[r] / rb[r];
        }
        Arrays.sort(rb); Arrays.sort(rn); Arrays.sort(ratio);
        System.out.printf("%s: base median %.1f us (min %.1f), branch median %.1f us (min %.1f), branch/base median %.3f (quartiles %.3f-%.3f); %d pairs of %d opens%n",
            file.getFileName(), rb[rounds/2], rb[0], rn[rounds/2], rn[0], ratio[rounds/2], ratio[rounds/4], ratio[3*rounds/4], rounds, per);
    }
}
