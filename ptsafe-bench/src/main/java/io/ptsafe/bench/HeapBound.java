package io.ptsafe.bench;

import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Heap use does not grow with tensor bytes: opens a sparse safetensors file of the given size (4 GiB
 * by default) and SHA-256-hashes every tensor's bytes through the public API, then prints the peak
 * heap. Meant for a child JVM with a small heap, e.g.
 * {@code java -Xmx64m -cp ptsafe-bench/target/benchmarks.jar io.ptsafe.bench.HeapBound 4g}.
 *
 * <p>The peak is the sum of every heap pool's peak usage since JVM start (an upper bound: the pools
 * peak at different moments), so it includes JVM and class-loading overhead as well as ptsafe's.
 */
public final class HeapBound {
    private static final int CHUNK = 1 << 20;

    private HeapBound() {
    }

    public static void main(String[] args) throws Exception {
        long bytes = parseSize(args.length > 0 ? args[0] : "4g");
        Path dir = BenchData.dir();
        Path file = SafetensorsFiles.sparseFile(dir.resolve("heap-" + (args.length > 0 ? args[0] : "4g") + ".safetensors"),
                bytes);
        long t0 = System.nanoTime();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long hashed = 0;
        int count;
        try (TensorFile f = SafeLoader.open(file)) {
            count = f.tensors().size();
            for (Tensor t : f.tensors()) {
                MemorySegment d = t.data();
                for (long off = 0; off < d.byteSize(); off += CHUNK) {
                    sha.update(d.asSlice(off, Math.min(CHUNK, d.byteSize() - off)).asByteBuffer());
                }
                hashed += d.byteSize();
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.HEAP) {
                peak += p.getPeakUsage().getUsed();
            }
        }
        long max = Runtime.getRuntime().maxMemory();
        System.out.printf(Locale.ROOT, "HeapBound: file %s, %d bytes %s, %d tensors, %d tensor bytes hashed in %.2f s%n",
                file.getFileName(), Files.size(file), "(sparse: a hole but for the header)", count, hashed, secs);
        System.out.printf(Locale.ROOT, "HeapBound: sha256 %s%n", HexFormat.of().formatHex(sha.digest()));
        System.out.printf(Locale.ROOT, "HeapBound: peak heap %.1f MiB (sum of pool peaks) with max heap %.1f MiB;"
                + " tensor bytes / peak heap = %.0fx%n", peak / 1048576.0, max / 1048576.0, hashed / (double) peak);
        Files.deleteIfExists(file);
    }

    static long parseSize(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        long mul = 1;
        if (t.endsWith("g")) {
            mul = 1L << 30;
        } else if (t.endsWith("m")) {
            mul = 1L << 20;
        }
        return Long.parseLong(mul == 1 ? t : t.substring(0, t.length() - 1)) * mul;
    }
}
