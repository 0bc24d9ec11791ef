package io.ptsafe.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * CPU time of one open (the {@link Opening} of every open benchmark), for a machine too loaded for
 * wall-clock timing: the thread's CPU time over a batch of opens, after a warm-up of the same length.
 * Accepts every open input: {@code open-N.pt}, {@code open-N-legacy.pt}, {@code open-N.safetensors}.
 * Prints the median of the batches' per-open CPU time in microseconds. The Python peers take the same
 * figure with {@code time.thread_time()} ({@code time_safetensors_open.py --cpu}).
 *
 * <pre>java -cp benchmarks.jar io.ptsafe.bench.OpenCpuTime FILE... (bench data names or paths)</pre>
 *
 * <p>An argument {@code tokens:open-N.safetensors} times {@link HeaderTokenBench}'s bare jackson token pass
 * over that file's header instead, the peer of the "within 2x of a token pass" target. {@code pkl:open-N.pt}
 * times the pickle machine alone on that file's data.pkl ({@link OpenTorchBench#ptsafeDataPkl}), and
 * {@code pyrolite:open-N.pt} Pyrolite on the same bytes ({@link OpenTorchBench#pyroliteDataPkl}).
 */
public final class OpenCpuTime {
    private OpenCpuTime() {
    }

    /** One operation timed. */
    @FunctionalInterface
    private interface Op {
        long run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (String arg : args) {
            // "tokens:open-N.safetensors" times HeaderTokenBench's bare jackson token pass over that header
            boolean tokens = arg.startsWith("tokens:");
            String kind = arg.contains(":") ? arg.substring(0, arg.indexOf(':') + 1) : "";
            String name = arg.substring(kind.length());
            Path file = Path.of(name).getParent() != null ? Path.of(name)
                    : name.endsWith(".safetensors") ? SafetensorsFiles.openFile(Integer.parseInt(name.substring(5, name.length() - 12)))
                    : BenchData.torchFile(name);
            Op op;
            if (kind.equals("pkl:") || kind.equals("pyrolite:")) {
                OpenTorchBench bench = new OpenTorchBench();
                byte[] pkl = PyrolitePeer.dataPkl(file);
                bench.useDataPkl(pkl);
                op = kind.equals("pkl:") ? bench::ptsafeDataPkl : bench::pyroliteDataPkl;
            } else if (tokens) {
                HeaderTokenBench bench = new HeaderTokenBench();
                bench.header = HeaderTokenBench.headerBytes(file);
                op = bench::jacksonTokens;
            } else {
                String last = Opening.lastName(file);
                op = () -> Opening.open(file, last);
            }
            long t0 = threads.getCurrentThreadCpuTime();
            int perBatch = 0;
            while (threads.getCurrentThreadCpuTime() - t0 < 3_000_000_000L) { // warm-up: 3 s of CPU
                op.run();
                perBatch++;
            }
            perBatch = Math.max(1, perBatch / 10); // batches of about 0.3 s of CPU
            double[] us = new double[15];
            for (int b = 0; b < us.length; b++) {
                long c = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < perBatch; i++) {
                    op.run();
                }
                us[b] = (threads.getCurrentThreadCpuTime() - c) / 1e3 / perBatch;
            }
            Arrays.sort(us);
            System.out.printf("%s%s: CPU per %s median %.1f us (min %.1f, max %.1f; %d batches of %d)%n",
                    tokens ? "jackson tokens of " : kind, file.getFileName(), kind.isEmpty() ? "open" : "pass", us[us.length / 2],
                    us[0], us[us.length - 1], us.length, perBatch);
        }
    }
}
