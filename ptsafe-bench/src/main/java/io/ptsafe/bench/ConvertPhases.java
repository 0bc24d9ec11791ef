package io.ptsafe.bench;

import io.ptsafe.safetensors.ProgressListener;
import io.ptsafe.safetensors.SafetensorsConverter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where the time of {@link ConvertBench}'s two operations goes, for a machine too loaded for JMH's
 * wall clock. Each phase is split, from {@code /proc/thread-self/schedstat} of the calling thread
 * (Linux), into time on a CPU, time waiting for one (the run queue: other processes' load) and the
 * rest (blocked: disk, journal, page faults that sleep). "Wall minus run-queue wait" is the load-independent
 * estimate of the time on an idle machine.
 *
 * <ul>
 *   <li>{@code convert}: {@link SafetensorsConverter#convertFile}, phases from its progress (which counts
 *       the bytes written, then the bytes verified): open and plan up to the first block written, write,
 *       verify, then the rest (waiting for the background force, rename, folder fsync);</li>
 *   <li>{@code copy}: {@link Files#copy} then {@code force(true)}, as {@code filesCopyForce}.</li>
 * </ul>
 * Prints each round and the medians from round 2 (the first two warm the JIT and the page cache).
 *
 * <pre>java -cp benchmarks.jar io.ptsafe.bench.ConvertPhases convert|copy SOURCE OUTPUT [ROUNDS]</pre>
 */
public final class ConvertPhases {
    private static final int WALL = 0;
    private static final int CPU = 1;
    private static final int RUNQ = 2;

    private ConvertPhases() {
    }

    public static void main(String[] args) throws IOException {
        boolean convert = args[0].equals("convert");
        Path source = Path.of(args[1]);
        Path out = Path.of(args[2]);
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 9;
        String[] names = convert ? new String[] {"open", "write", "verify", "end"} : new String[] {"copy", "force"};
        List<long[][]> kept = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            long[][] marks = convert ? convert(source, out) : copy(source, out);
            long[][] phases = new long[names.length][];
            for (int p = 0; p < names.length; p++) {
                phases[p] = new long[3];
                for (int j = 0; j < 3; j++) {
                    phases[p][j] = marks[p + 1][j] - marks[p][j];
                }
            }
            System.out.println("round " + r + ": " + describe(names, List.<long[][]>of(phases)));
            if (r >= 2) {
                kept.add(phases);
            }
        }
        System.out.println("median: " + describe(names, kept));
    }

    private static long[][] convert(Path source, Path out) throws IOException {
        long[][] marks = new long[5][];
        ProgressListener listener = (done, total) -> {
            if (marks[1] == null) {
                marks[1] = sched();
            }
            if (done == total / 2 && marks[2] == null) {
                marks[2] = sched();
            }
            if (done == total) {
                marks[3] = sched();
            }
        };
        marks[0] = sched();
        SafetensorsConverter.builder().progress(listener).build().convert(source, out);
        marks[4] = sched();
        return marks;
    }

    private static long[][] copy(Path source, Path out) throws IOException {
        long[][] marks = new long[3][];
        marks[0] = sched();
        Files.copy(source, out, StandardCopyOption.REPLACE_EXISTING);
        marks[1] = sched();
        try (FileChannel ch = FileChannel.open(out, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        marks[2] = sched();
        return marks;
    }

    /** Now, and the calling thread's time on a CPU and waiting for one, in nanoseconds. */
    private static long[] sched() {
        try {
            String[] f = Files.readString(Path.of("/proc/thread-self/schedstat")).trim().split(" ");
            return new long[] {System.nanoTime(), Long.parseLong(f[0]), Long.parseLong(f[1])};
        } catch (IOException e) {
            throw new IllegalStateException("needs Linux's /proc/thread-self/schedstat", e);
        }
    }

    /** Medians, phase by phase, in milliseconds. */
    private static String describe(String[] names, List<long[][]> rounds) {
        StringBuilder sb = new StringBuilder();
        for (int p = 0; p < names.length; p++) {
            int phase = p;
            sb.append(String.format("%s %.0f (cpu %.0f, run queue %.0f, blocked %.0f) ", names[p],
                    median(rounds, r -> r[phase][WALL]), median(rounds, r -> r[phase][CPU]),
                    median(rounds, r -> r[phase][RUNQ]),
                    median(rounds, r -> r[phase][WALL] - r[phase][CPU] - r[phase][RUNQ])));
        }
        sb.append(String.format("| wall %.0f, wall minus run-queue wait %.0f, thread cpu %.0f ms",
                median(rounds, r -> sum(r, WALL)), median(rounds, r -> sum(r, WALL) - sum(r, RUNQ)),
                median(rounds, r -> sum(r, CPU))));
        return sb.toString();
    }

    private static long sum(long[][] phases, int column) {
        long total = 0;
        for (long[] p : phases) {
            total += p[column];
        }
        return total;
    }

    private static double median(List<long[][]> rounds, java.util.function.ToLongFunction<long[][]> f) {
        long[] v = rounds.stream().mapToLong(f).toArray();
        Arrays.sort(v);
        return v[v.length / 2] / 1e6;
    }
}
