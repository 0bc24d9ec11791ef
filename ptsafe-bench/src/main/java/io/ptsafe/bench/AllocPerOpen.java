package io.ptsafe.bench;

import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Bytes the calling thread allocates per {@code SafeLoader.open} and close of a file, the median of 9
 * batches after a warm-up ({@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}): a
 * figure the machine's load does not move, where JMH's {@code gc.alloc.rate.norm} is wide when a loaded
 * machine runs few operations an iteration.
 *
 * <pre>java -cp benchmarks.jar io.ptsafe.bench.AllocPerOpen FILE... (paths)</pre>
 */
public final class AllocPerOpen {
    private AllocPerOpen() {
    }

    public static void main(String[] args) throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (String arg : args) {
            Path file = Path.of(arg);
            int perBatch = Math.max(4, (int) (400_000_000L / Math.max(1, java.nio.file.Files.size(file))));
            perBatch = Math.min(perBatch, 400);
            for (int i = 0; i < 3 * perBatch; i++) {
                open(file);
            }
            long[] bytes = new long[9];
            for (int b = 0; b < bytes.length; b++) {
                long a = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < perBatch; i++) {
                    open(file);
                }
                bytes[b] = (threads.getCurrentThreadAllocatedBytes() - a) / perBatch;
            }
            Arrays.sort(bytes);
            System.out.printf("%s: allocated per open median %,d B (min %,d, max %,d; 9 batches of %d)%n",
                    file.getFileName(), bytes[4], bytes[0], bytes[8], perBatch);
        }
    }

    private static void open(Path file) throws Exception {
        try (TensorFile f = SafeLoader.open(file)) {
            f.tensors().size();
        }
    }
}
