package io.ptsafe.bench;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.ptsafe.djl.PtsafeNDList;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Peak Java heap of loading a whole safetensors state dict into DJL's PyTorch engine, one way per JVM:
 * {@code ptsafe} ({@code PtsafeNDList.load}) or {@code decode} ({@code NDList.decode}). Prints the sum
 * of the heap pools' peaks since JVM start (an upper bound, JVM overhead included). Run each in a child
 * JVM, e.g.
 * {@code java -Xmx3g -cp ptsafe-bench/target/benchmarks.jar io.ptsafe.bench.DjlHeapPeak ptsafe 1024}, and
 * with a small {@code -Xmx} to see which way still loads.
 */
public final class DjlHeapPeak {
    private DjlHeapPeak() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "ptsafe";
        int mib = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        Path file = SafetensorsFiles.readFile("F32", mib);
        DjlPeer.configureOffline();
        long t0 = System.nanoTime();
        int n;
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            if (mode.equals("ptsafe")) {
                n = PtsafeNDList.load(manager, file).size();
            } else if (mode.equals("decode")) {
                try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                    n = NDList.decode(manager, in).size();
                }
            } else {
                throw new IllegalArgumentException("mode: ptsafe or decode, not " + mode);
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                peak += p.getPeakUsage().getUsed();
            }
        }
        System.out.printf(Locale.ROOT, "DjlHeapPeak %s: %d tensors, %d bytes of file, loaded in %.2f s; peak heap %.1f MiB"
                + " (sum of pool peaks) with max heap %.0f MiB%n", mode, n, Files.size(file), secs, peak / 1048576.0,
                Runtime.getRuntime().maxMemory() / 1048576.0);
    }
}
