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
 */
public final class OpenCpuTime {
    private OpenCpuTime() {
    }

    public static void main(String[] args) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (String arg : args) {
            Path file = Path.of(arg).getParent() != null ? Path.of(arg)
                    : arg.endsWith(".safetensors") ? SafetensorsFiles.openFile(Integer.parseInt(arg.substring(5, arg.length() - 12)))
                    : BenchData.torchFile(arg);
            String last = Opening.lastName(file);
            long t0 = threads.getCurrentThreadCpuTime();
            int perBatch = 0;
            while (threads.getCurrentThreadCpuTime() - t0 < 3_000_000_000L) { // warm-up: 3 s of CPU
                Opening.open(file, last);
                perBatch++;
            }
            perBatch = Math.max(1, perBatch / 10); // batches of about 0.3 s of CPU
            double[] us = new double[15];
            for (int b = 0; b < us.length; b++) {
                long c = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < perBatch; i++) {
                    Opening.open(file, last);
                }
                us[b] = (threads.getCurrentThreadCpuTime() - c) / 1e3 / perBatch;
            }
            Arrays.sort(us);
            System.out.printf("%s: CPU per open median %.1f us (min %.1f, max %.1f; %d batches of %d)%n",
                    file.getFileName(), us[us.length / 2], us[0], us[us.length - 1], us.length, perBatch);
        }
    }
}
