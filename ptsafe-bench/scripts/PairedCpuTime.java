// Not part of the build: a harness run with `java PairedCpuTime.java` (see the class comment).
import java.lang.invoke.*;
import java.lang.management.*;
import java.net.*;
import java.nio.file.*;
import java.util.*;

/**
 * Paired thread CPU time of two builds on a shared machine (a bench harness, run as a source file; it
 * never sees a pickle's bytes other than through the benchmark it calls):
 *
 * <pre>java -Dptsafe.bench.data=DIR ptsafe-bench/scripts/PairedCpuTime.java METHOD[,METHOD_B] TENSORS ROUNDS DIR_A DIR_B</pre>
 *
 * DIR_A and DIR_B each hold a {@code benchmarks.jar} and its {@code lib/} (as ptsafe-bench/target, or
 * /work/base-94b6da7). Each build's {@code OpenTorchBench} is loaded by a class loader of its own into
 * one JVM and run in the same thread, alternating batches of about 0.1 s of CPU, the order swapped
 * every round: load that drifts over minutes hits both alike. Prints each side's median CPU per op
 * and the median of the per-round ratios B/A with its quartiles. METHOD is an {@code OpenTorchBench}
 * benchmark ({@code ptsafeDataPkl}, {@code pyroliteDataPkl}, {@code ptsafeOpen}); "pyroliteDataPkl,ptsafeDataPkl"
 * runs the first on A and the second on B. Two libraries in one JVM share the JDK's own methods and
 * their type profiles (HashMap's hashCode and equals call sites): a ratio between two ptsafe builds
 * is fair, one against Pyrolite is better taken by OpenCpuTime in separate JVMs.
 */
public class PairedCpuTime {
    public static void main(String[] a) throws Throwable {
        String[] methods = a[0].split(","); String method = a[0]; int tensors = Integer.parseInt(a[1]); int rounds = Integer.parseInt(a[2]);
        String[] dirs = {a[3], a[4]};
        MethodHandle[] op = new MethodHandle[2];
        for (int i = 0; i < 2; i++) {
            List<URL> urls = new ArrayList<>();
            urls.add(Path.of(dirs[i], "benchmarks.jar").toUri().toURL());
            try (var s = Files.list(Path.of(dirs[i], "lib"))) { for (Path p : s.toList()) urls.add(p.toUri().toURL()); }
            URLClassLoader cl = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
            Class<?> c = cl.loadClass("io.ptsafe.bench.OpenTorchBench");
            Object b = c.getConstructor().newInstance();
            c.getField("tensors").setInt(b, tensors);
            c.getMethod("setUp").invoke(b);
            op[i] = MethodHandles.publicLookup().findVirtual(c, methods[Math.min(i, methods.length - 1)], MethodType.methodType(methods[Math.min(i, methods.length - 1)].contains("DataPkl") ? int.class : long.class)).bindTo(b).asType(MethodType.methodType(Object.class));
        }
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        // warm-up, alternating
        long w = t.getCurrentThreadCpuTime();
        int n = 0;
        while (t.getCurrentThreadCpuTime() - w < 8_000_000_000L) { op[0].invoke(); op[1].invoke(); n++; }
        int per = Math.max(1, n / 80); // ~100 ms of each per batch
        double[] ratio = new double[rounds]; double[][] us = new double[2][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < 2; k++) {
                int i = (r % 2 == 0) ? k : 1 - k;
                long c0 = t.getCurrentThreadCpuTime();
                for (int j = 0; j < per; j++) op[i].invoke();
                us[i][r] = (t.getCurrentThreadCpuTime() - c0) / 1e3 / per;
            }
            ratio[r] = us[1][r] / us[0][r];
        }
        Arrays.sort(ratio); Arrays.sort(us[0]); Arrays.sort(us[1]);
        System.out.printf("%s %d: A median %.1f us, B median %.1f us, B/A median %.3f (q1 %.3f, q3 %.3f; %d rounds of %d)%n",
            method, tensors, us[0][rounds/2], us[1][rounds/2], ratio[rounds/2], ratio[rounds/4], ratio[3*rounds/4], rounds, per);
    }
}
