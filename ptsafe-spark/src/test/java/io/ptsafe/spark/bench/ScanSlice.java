package io.ptsafe.spark.bench;

import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Scans files {@code [from, to)} of a folder (name order) one at a time with
 * {@code SafeLoader.scanTree}, three times after three warm-up passes, and prints the time: run as
 * one process over all files, then as two processes over halves at once, it tells whether the
 * machine itself scales per-file scanning to two cores, without Spark (see the module README).
 * Usage: {@code ScanSlice DIR FROM TO}.
 */
public final class ScanSlice {
    private ScanSlice() {
    }

    public static void main(String[] args) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(args[0]))) {
            files = s.sorted().toList().subList(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        }
        for (int i = 0; i < 3; i++) {
            scan(files);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            scan(files);
        }
        System.out.printf(Locale.ROOT, "%d files x 3 in %.3f s%n", files.size(), (System.nanoTime() - t0) / 1e9);
    }

    private static void scan(List<Path> files) throws IOException {
        for (Path p : files) {
            SafeLoader.scanTree(List.of(p), LoadOptions.defaults());
        }
    }
}
