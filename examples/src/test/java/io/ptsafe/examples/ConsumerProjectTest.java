package io.ptsafe.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.core.JsonFactory;
import io.ptsafe.SafeLoader;
import io.ptsafe.pickle.BarePickleProvider;
import io.ptsafe.safetensors.SafetensorsWriter;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A project outside the reactor: {@code src/test/consumer} is compiled with javac against the built
 * ptsafe jars (or class folders, under {@code mvn test}) and run in a child JVM, once as a named
 * module on the module path and once on the class path. It streams over tensors without try/catch,
 * lists keys, and compares a multi-dimension slice with torch's own ({@code slice.pt}, written by
 * {@code src/test/fixtures/make_slice_fixture.py} with torch 1.13).
 */
class ConsumerProjectTest {
    private static final Path SOURCES = Path.of("src/test/consumer");
    private static final String EXPECTED = "keys [t, s, view, steps]\n"
            + "slice [2, 3, 2] view true matches torch; 84 floats read\n"
            + "closed: true\n";

    @TempDir
    Path tmp;

    /**
     * The ptsafe jars (api, safetensors, pickle) and what they require (jackson-core; commons-compress,
     * its requirements, and xz for tree scans), where this test's class path has them.
     */
    private static String libraries() throws URISyntaxException {
        List<String> paths = new ArrayList<>();
        for (Class<?> c : List.of(SafeLoader.class, SafetensorsWriter.class, BarePickleProvider.class, JsonFactory.class,
                org.apache.commons.compress.archivers.ArchiveEntry.class, org.tukaani.xz.XZ.class,
                // what commons-compress's module requires
                org.apache.commons.codec.Charsets.class, org.apache.commons.io.IOUtils.class,
                org.apache.commons.lang3.StringUtils.class)) {
            paths.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(File.pathSeparator, paths);
    }

    private static Path fixture() throws URISyntaxException {
        return Path.of(ConsumerProjectTest.class.getResource("/consumer/slice.pt").toURI());
    }

    private void compile(List<String> options, List<Path> sources) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "a JDK is needed to compile the consumer");
        List<String> args = new ArrayList<>(options);
        sources.forEach(s -> args.add(s.toString()));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = javac.run(null, err, err, args.toArray(String[]::new));
        assertEquals(0, status, "javac " + args + "\n" + err.toString(StandardCharsets.UTF_8));
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        full.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        full.addAll(command);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(true, p.waitFor(60, TimeUnit.SECONDS), "the consumer did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", full) + "\n" + out);
        return out;
    }

    @Test
    void onTheModulePath() throws Exception {
        Path out = tmp.resolve("module");
        compile(List.of("--module-path", libraries(), "-d", out.toString(), "-Xlint:all", "-Werror"),
                List.of(SOURCES.resolve("module-info.java"), SOURCES.resolve("consumer/Main.java")));
        String printed = run(List.of("--module-path", out + File.pathSeparator + libraries(), "-m",
                "consumer/consumer.Main", fixture().toString()));
        assertEquals(EXPECTED, printed);
    }

    @Test
    void onTheClassPath() throws Exception {
        Path out = tmp.resolve("classpath");
        compile(List.of("-cp", libraries(), "-d", out.toString(), "-Xlint:all", "-Werror"),
                List.of(SOURCES.resolve("consumer/Main.java")));
        String printed = run(List.of("-cp", out + File.pathSeparator + libraries(), "consumer.Main",
                fixture().toString()));
        assertEquals(EXPECTED, printed);
    }

    @Test
    void theConsumerSourcesAreAllThere() throws IOException {
        try (Stream<Path> s = Files.walk(SOURCES)) {
            assertEquals(List.of("consumer/Main.java", "module-info.java"), s.filter(Files::isRegularFile)
                    .map(p -> SOURCES.relativize(p).toString().replace(File.separatorChar, '/')).sorted()
                    .collect(Collectors.toList()));
        }
    }
}
