package io.ptsafe.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Docs that compile: every {@code ```java} block of the READMEs is a region of
 * {@link ReadmeSnippets} (compiled with the tests), named by the {@code <!-- snippet: NAME -->} line
 * before it, and the regions are run here.
 */
class ReadmeSnippetsTest {
    private static final Path SNIPPETS = Path.of("src/test/java/io/ptsafe/examples/ReadmeSnippets.java");

    @TempDir
    Path tmp;

    static List<Path> readmes() throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(Repo.root())) {
            s.filter(Files::isDirectory).map(d -> d.resolve("README.md")).filter(Files::isRegularFile).sorted()
                    .forEach(files::add);
        }
        files.addFirst(Repo.root().resolve("README.md"));
        return files;
    }

    /** The tagged regions of ReadmeSnippets.java, without their common indentation. */
    static Map<String, String> regions() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(SNIPPETS);
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i).strip();
            if (l.startsWith("// tag::")) {
                String name = l.substring(8, l.indexOf('['));
                int end = lines.indexOf(lines.get(i).replace("tag::", "end::"));
                List<String> body = lines.subList(i + 1, end);
                int indent = body.stream().filter(s -> !s.isBlank()).mapToInt(s -> s.length() - s.stripLeading().length())
                        .min().orElse(0);
                out.put(name, String.join("\n", body.stream().map(s -> s.isBlank() ? "" : s.substring(indent)).toList()));
            }
        }
        return out;
    }

    @Test
    void everyJavaBlockOfTheReadmesIsACompiledSnippet() throws IOException {
        Map<String, String> regions = regions();
        List<String> used = new ArrayList<>();
        for (Path readme : readmes()) {
            List<String> lines = Files.readAllLines(readme);
            for (int i = 0; i < lines.size(); i++) {
                if (!lines.get(i).strip().equals("```java")) {
                    continue;
                }
                String marker = i > 0 ? lines.get(i - 1).strip() : "";
                assertTrue(marker.startsWith("<!-- snippet: ") && marker.endsWith(" -->"),
                        readme + ":" + (i + 1) + ": a java block without a <!-- snippet: NAME --> line before it");
                String name = marker.substring(14, marker.length() - 4).strip();
                int end = i + 1;
                while (!lines.get(end).strip().equals("```")) {
                    end++;
                }
                String block = String.join("\n", lines.subList(i + 1, end));
                assertTrue(regions.containsKey(name), readme + ": no region " + name + " in " + SNIPPETS);
                assertEquals(regions.get(name), block, readme + ":" + (i + 1) + " differs from region " + name
                        + " of " + SNIPPETS + " (copy the region into the README)");
                used.add(name);
            }
        }
        assertEquals(regions.keySet(), new java.util.HashSet<>(used), "every region is shown in a README");
    }

    private static String stdout(Runnable r) {
        PrintStream old = System.out;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        System.setOut(new PrintStream(b, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(old);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theQuickStartRuns() throws IOException {
        Path model = tmp.resolve("model.safetensors");
        ReadmeSnippets.write(model);
        String out = stdout(() -> ReadmeSnippets.quickStart(model));
        // the writer orders tensors as the reference does (by alignment, then name); keys() is header order
        assertEquals("fc.bias F32 [2]\nfc.weight F32 [2, 3]\n24 bytes, 6 floats, 2 tensors\n", out.replace("\r", ""));
        String refused = stdout(() -> ReadmeSnippets.quickStart(tmp)); // a folder without an index: refused, on stderr
        assertFalse(refused.contains("bytes"), refused);
    }

    @Test
    void theSlicesRun() throws Exception {
        Path pt = Path.of(ReadmeSnippetsTest.class.getResource("/consumer/slice.pt").toURI());
        try (TensorFile file = SafeLoader.open(pt)) {
            assertArrayEquals(file.tensor("s").toFloatArray(), ReadmeSnippets.slices(file));
        }
    }

    @Test
    void theLimitsRun() throws IOException {
        Path model = tmp.resolve("model.safetensors");
        ReadmeSnippets.write(model);
        Properties config = new Properties();
        config.setProperty("ptsafe.maxTensors", "77");
        String[] kept = new String[1];
        String out = stdout(() -> {
            try {
                kept[0] = Integer.toString(ReadmeSnippets.limits(model, config));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertEquals("[fc.bias, fc.weight]\n", out.replace("\r", ""));
        assertEquals("77", kept[0]);
    }

    @Test
    void theUploadsRun() throws IOException {
        Path model = tmp.resolve("model.safetensors");
        ReadmeSnippets.write(model);
        byte[] bytes = Files.readAllBytes(model);
        Path dir = tmp.resolve("uploads");
        String kept = stdout(() -> run(() -> ReadmeSnippets.uploads(dir, new java.io.ByteArrayInputStream(bytes))));
        assertTrue(kept.startsWith("kept " + dir.resolve("store")), kept);
        String refused = stdout(() -> run(() -> ReadmeSnippets.uploads(dir,
                new java.io.ByteArrayInputStream("not a model".getBytes(StandardCharsets.UTF_8)))));
        assertTrue(refused.startsWith("INVALID [ScanFinding[rule=UNKNOWN_FORMAT"), refused);
        try (Stream<Path> q = Files.list(dir.resolve("quarantine")); Stream<Path> s = Files.list(dir.resolve("store"))) {
            assertEquals(0, q.count());
            assertEquals(1, s.count());
        }
    }

    private interface Io {
        void run() throws IOException;
    }

    private static void run(Io io) {
        try {
            io.run();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theDjlSnippetRuns() throws IOException {
        Path saved = tmp.resolve("mlp.safetensors");
        float[] y = ReadmeSnippets.djl(Repo.file("samples/mlp.pt"), saved);
        assertEquals(3, y.length);
        try (TensorFile original = SafeLoader.open(Repo.file("samples/mlp.pt")); TensorFile back = SafeLoader.open(saved)) {
            assertEquals(new java.util.HashSet<>(original.keys()), new java.util.HashSet<>(back.keys()));
            for (String k : original.keys()) {
                assertEquals(-1L, original.tensor(k).data().mismatch(back.tensor(k).data()), k);
            }
        }
    }
}
