package io.ptsafe.spark.bench;

import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.TreeScan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * Files per second scanning many small checkpoints: the ptsafe data source on local[1] and
 * local[2], against a single-process {@code SafeLoader.scanTree} of the same folder (what
 * {@code ptsafe scan} runs). Not a unit test: run by {@code ptsafe-spark/bench.sh}. Each figure is the
 * best of {@code RUNS} timed runs after {@code WARMUPS} warm-up runs.
 */
public final class ScaleBench {
    private static final int WARMUPS = 3;
    private static final int RUNS = 5;

    private ScaleBench() {
    }

    public static void main(String[] args) throws IOException {
        int files = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        Path dir = Path.of(args.length > 1 ? args[1] : "target/bench-checkpoints");
        Path samples = Path.of(args.length > 2 ? args[2] : "../samples");
        make(dir, files, List.of(samples.resolve("mlp.pt"), samples.resolve("mlp.legacy.pt")));

        double cli = best(() -> {
            TreeScan t = SafeLoader.scanTree(dir, LoadOptions.defaults());
            check(t.reports().size(), files);
        });
        double one = spark("local[1]", dir, files);
        double two = spark("local[2]", dir, files);
        System.out.printf(Locale.ROOT, "%d files (%s)%n", files, dir);
        System.out.printf(Locale.ROOT, "scanTree, one process : %8.1f files/s (%.3f ms/file)%n", files / cli,
                cli * 1000 / files);
        System.out.printf(Locale.ROOT, "spark local[1]        : %8.1f files/s (%.3f ms/file)%n", files / one,
                one * 1000 / files);
        System.out.printf(Locale.ROOT, "spark local[2]        : %8.1f files/s (%.3f ms/file)%n", files / two,
                two * 1000 / files);
        System.out.printf(Locale.ROOT, "local[2] / local[1]   : %8.2fx%n", one / two);
        System.out.printf(Locale.ROOT, "overhead per file, local[1] vs scanTree: %.3f ms%n", (one - cli) * 1000 / files);
    }

    private static double spark(String master, Path dir, int files) {
        SparkSession s = SparkSession.builder().master(master).appName("ptsafe-scale-bench")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
        try {
            return best(() -> {
                // every row made and dropped: the scan is all that is timed
                s.read().format("ptsafe").load(dir.toString()).write().format("noop").mode("overwrite").save();
            });
        } finally {
            s.stop();
        }
    }

    private static double best(Runnable r) {
        for (int i = 0; i < WARMUPS; i++) {
            r.run(); // the JIT warms in both executor threads, not only in the first task's
        }
        double best = Double.MAX_VALUE;
        for (int i = 0; i < RUNS; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }

    private static void make(Path dir, int files, List<Path> sources) throws IOException {
        Files.createDirectories(dir);
        List<Path> existing = new ArrayList<>();
        try (var s = Files.list(dir)) {
            s.forEach(existing::add);
        }
        if (existing.size() == files) {
            return;
        }
        for (Path p : existing) {
            Files.delete(p);
        }
        for (int i = 0; i < files; i++) {
            Path src = sources.get(i % sources.size());
            Files.copy(src, dir.resolve(String.format(Locale.ROOT, "%05d-%s", i, src.getFileName())));
        }
    }

    private static void check(int reports, int files) {
        if (reports != files) {
            throw new IllegalStateException(reports + " reports for " + files + " files");
        }
    }
}
