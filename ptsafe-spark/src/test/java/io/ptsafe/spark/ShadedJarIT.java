package io.ptsafe.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs (under failsafe, after package) with the shaded jar on the class path in place of this
 * module's classes and the ptsafe modules, beside Spark's own jars: what users submit.
 */
class ShadedJarIT {
    @Test
    void theShadedJarHoldsPtsafeRelocatedAndNoSpark() throws IOException {
        Path jar;
        try (var s = Files.list(Path.of("target"))) {
            jar = s.filter(p -> p.getFileName().toString().endsWith("-shaded.jar")).findFirst().orElseThrow();
        }
        try (ZipFile z = new ZipFile(jar.toFile())) {
            List<String> names = z.stream().map(ZipEntry::getName).toList();
            assertTrue(names.contains("io/ptsafe/spark/PtsafeDataSource.class"));
            assertTrue(names.contains("io/ptsafe/SafeLoader.class"));
            assertTrue(names.stream().anyMatch(n -> n.startsWith("io/ptsafe/shaded/jackson/core/")));
            assertTrue(names.stream().anyMatch(n -> n.startsWith("io/ptsafe/shaded/commons/compress/")));
            for (String foreign : List.of("com/fasterxml/", "org/apache/commons/", "org/tukaani/", "org/apache/spark/",
                    "scala/", "org/apache/hadoop/")) {
                assertFalse(names.stream().anyMatch(n -> n.startsWith(foreign) || n.contains("/versions/")
                        && n.contains("/" + foreign)), foreign);
            }
            assertEquals("io.ptsafe.spark.PtsafeDataSource",
                    text(z, "META-INF/services/org.apache.spark.sql.sources.DataSourceRegister").strip());
            String providers = text(z, "META-INF/services/io.ptsafe.spi.FormatProvider");
            assertTrue(providers.contains("safetensors") && providers.contains("pickle"), providers);
        }
    }

    @Test
    void scanJobRunsFromTheShadedJar(@TempDir Path out) {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Map<String, Long> counts = ScanJob.run(TestSpark.session(), new String[] {
            "--option", "limit.maxTensors=100000",
            TestSpark.fixtures("samples").toString(),
            TestSpark.fixtures("ptsafe-pickle/src/test/resources/torch/malicious").toString(),
            TestSpark.fixtures("ptsafe-cli/src/test/resources/archives/bomb.tar.gz").toString(),
            out.resolve("scan").toString()}, new PrintStream(printed, true, StandardCharsets.UTF_8));
        String text = printed.toString(StandardCharsets.UTF_8);
        assertTrue(counts.get("SAFE") >= 2 && counts.get("UNSAFE") > 0 && counts.get("INVALID") > 0
                && counts.get("SKIPPED") >= 3, counts::toString);
        assertTrue(text.startsWith("ptsafe " + Version.PTSAFE + ": SAFE " + counts.get("SAFE")), text);
        List<Row> tensors = TestSpark.session().read().parquet(out.resolve("scan/tensors").toString())
                .where("path like '%/samples/mlp.pt'").collectAsList();
        assertEquals(4, tensors.size());
        assertEquals(counts.values().stream().mapToLong(Long::longValue).sum(),
                TestSpark.session().read().parquet(out.resolve("scan/files").toString()).count());
    }

    private static String text(ZipFile z, String name) throws IOException {
        try (var in = z.getInputStream(z.getEntry(name))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
