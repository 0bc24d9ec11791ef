package io.ptsafe.bench;

import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * What the file system and the JDK charge a small open beside the parse, for the "wall time beyond CPU"
 * of {@link OpenSafetensorsBench}: wall and thread CPU per operation of a shared and a confined arena
 * (created and closed), of mapping the file in each (open, map, touch a byte, close), of a channel and one
 * positioned read of the header's size, and of the probe as it was before issue 17's last change (three
 * stats, a stream, a 4 KiB read).
 *
 * <pre>java -cp benchmarks.jar io.ptsafe.bench.MappingCost FILE
 * java -cp benchmarks.jar io.ptsafe.bench.MappingCost --opens N FILE   (N opens of the Opening, for strace -f -c)</pre>
 */
public final class MappingCost {
    private MappingCost() {
    }

    /** One operation timed. */
    @FunctionalInterface
    private interface Op {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--opens")) {
            Path file = Path.of(args[2]);
            String last = Opening.lastName(file);
            long sum = 0;
            for (int i = Integer.parseInt(args[1]); i > 0; i--) {
                sum += Opening.open(file, last);
            }
            System.out.println(sum);
            return;
        }
        Path p = Path.of(args[0]);
        int headerBytes = (int) Math.min(Files.size(p), SafetensorsFiles.dataStart(p));
        byte[] buf = new byte[headerBytes];
        time("shared arena, created and closed", () -> Arena.ofShared().close());
        time("confined arena, created and closed", () -> Arena.ofConfined().close());
        time("map in a shared arena, touch, close", () -> map(p, Arena.ofShared()));
        time("map in a confined arena, touch, close", () -> map(p, Arena.ofConfined()));
        time("channel, one pread of " + headerBytes + " B, close", () -> {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                ByteBuffer b = ByteBuffer.wrap(buf);
                while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                    // the whole header
                }
            }
        });
        time("old probe: 3 stats, stream, 4 KiB read", () -> {
            Files.isDirectory(p);
            Files.isRegularFile(p);
            Files.size(p);
            try (InputStream in = Files.newInputStream(p)) {
                in.readNBytes(4096);
            }
        });
    }

    private static void map(Path p, Arena arena) throws Exception {
        try (arena; FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            MemorySegment s = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            s.get(ValueLayout.JAVA_BYTE, 8);
        }
    }

    /** Median of 5 batches of 2,000, after 2,000 to warm up. */
    private static void time(String name, Op op) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        int n = 2000;
        for (int i = 0; i < n; i++) {
            op.run();
        }
        double[] wall = new double[5];
        double[] cpu = new double[5];
        for (int r = 0; r < wall.length; r++) {
            long c0 = threads.getCurrentThreadCpuTime();
            long w0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                op.run();
            }
            wall[r] = (System.nanoTime() - w0) / 1e3 / n;
            cpu[r] = (threads.getCurrentThreadCpuTime() - c0) / 1e3 / n;
        }
        Arrays.sort(wall);
        Arrays.sort(cpu);
        System.out.printf("%-45s wall %7.1f us  thread CPU %7.1f us (medians of 5 x %d)%n", name, wall[2], cpu[2], n);
    }
}
