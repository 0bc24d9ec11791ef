package io.ptsafe.bench;

import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;

/**
 * The heap an open file retains per tensor: used heap after full collections, before and after
 * {@code SafeLoader.open}, with the file still open, divided by its tensor count. Run in a JVM of its
 * own (run.sh: {@code HeapPerTensor open-100000.pt open-100000.safetensors}); a file name without a
 * directory is looked up in the bench data directory, and {@code open-N.safetensors} is written if
 * missing. {@code -Dptsafe.bench.maxDecodedBytes=N} opens with that limit instead of the default.
 * {@code -Dptsafe.bench.budget=true} also finds, by bisection to 1%, the smallest
 * {@code maxDecodedBytes} that opens the file: the decoded-value charge of its pickle.
 */
public final class HeapPerTensor {
    private HeapPerTensor() {
    }

    public static void main(String[] args) throws Exception {
        for (String arg : args) {
            Path file = resolve(arg);
            LoadOptions options = LoadOptions.defaults();
            String max = System.getProperty("ptsafe.bench.maxDecodedBytes");
            if (max != null) {
                options = LoadOptions.builder().maxDecodedBytes(Long.parseLong(max)).build();
            }
            long before = settledHeap();
            try (TensorFile f = SafeLoader.open(file, options)) {
                long after = settledHeap();
                int n = f.tensors().size();
                System.out.printf("%s: %d tensors, retained heap %.1f MiB, %d bytes per tensor%n",
                        file.getFileName(), n, (after - before) / 1048576.0, (after - before) / n);
                if (Boolean.getBoolean("ptsafe.bench.budget")) {
                    long charge = smallestBudget(file);
                    System.out.printf("%s: opens with maxDecodedBytes >= %.1f MiB, %d bytes per tensor%n",
                            file.getFileName(), charge / 1048576.0, charge / n);
                }
                if (Boolean.getBoolean("ptsafe.bench.pause")) {
                    // time for `jcmd PID GC.class_histogram` while the file is open
                    System.out.println("pid " + ProcessHandle.current().pid() + ", open for 15 s");
                    Thread.sleep(15_000);
                }
            }
        }
    }

    private static long smallestBudget(Path file) throws java.io.IOException {
        long lo = 1;
        long hi = LoadOptions.DEFAULT_MAX_DECODED_BYTES;
        while (hi - lo > hi / 100) {
            long mid = lo + (hi - lo) / 2;
            try (TensorFile f = SafeLoader.open(file, LoadOptions.builder().maxDecodedBytes(mid).build())) {
                hi = mid;
            } catch (io.ptsafe.LimitExceededException e) {
                lo = mid;
            }
        }
        return hi;
    }

    private static Path resolve(String arg) {
        Path p = Path.of(arg);
        if (p.getParent() != null) {
            return p;
        }
        String name = p.getFileName().toString();
        if (name.startsWith("open-") && name.endsWith(".safetensors")) {
            return SafetensorsFiles.openFile(Integer.parseInt(name.substring(5, name.length() - 12)));
        }
        return BenchData.torchFile(name);
    }

    private static long settledHeap() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
