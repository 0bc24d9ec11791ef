package io.ptsafe.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every benchmark once, in this JVM, on the smallest inputs (the bundled 10-tensor torch file,
 * 1 MiB read files), so the build keeps the benchmarks compiling and working. Asserts only that each
 * ran and produced a score: no timing.
 */
class SmokeTest {
    private static Path data;

    @BeforeAll
    static void dataFolder() throws Exception {
        // A folder of its own, so the smoke run never picks up (or clobbers) the real run's inputs.
        data = Path.of(System.getProperty("ptsafe.bench.build", "target"), "smoke-data");
        Files.createDirectories(data);
        System.setProperty("ptsafe.bench.data", data.toAbsolutePath().toString());
    }

    @Test
    void everyBenchmarkRunsOnTinyInputs() throws Exception {
        Options opts = new OptionsBuilder()
                .include("io\\.ptsafe\\.bench\\..*")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(100))
                .timeout(TimeValue.seconds(60))
                .param("tensors", "10")
                .param("mib", "1")
                .param("source", "open-10.pt")
                .timeUnit(TimeUnit.MICROSECONDS)
                .shouldFailOnError(true)
                .verbosity(VerboseMode.SILENT)
                .build();
        Collection<RunResult> results = new Runner(opts).run();

        Set<String> ran = new TreeSet<>();
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            assertTrue(r.getPrimaryResult().getSampleCount() > 0, name + " produced no sample");
            assertFalse(Double.isNaN(r.getPrimaryResult().getScore()), name + " produced no score");
            ran.add(name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1));
        }
        assertEquals(expected(), ran);
    }

    /** Every @Benchmark method (OpenLegacyBench on the bundled open-10-legacy.pt too), as listed by JMH's annotation processor. */
    private static Set<String> expected() throws Exception {
        Set<String> all = new TreeSet<>();
        try (var in = SmokeTest.class.getResourceAsStream("/META-INF/BenchmarkList")) {
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                String[] f = line.split(" ");
                if (f.length > 10) {
                    String cls = f[3];
                    all.add(cls.substring(cls.lastIndexOf('.') + 1) + "." + f[9]);
                }
            }
        }
        assertFalse(all.isEmpty(), "no benchmarks listed");
        return all;
    }
}
