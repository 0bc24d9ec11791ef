package io.ptsafe.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two ways to install the {@code ptsafe} command, as a user would: unpack the archive ptsafe-cli
 * built into a fresh folder and run its launcher on the bundled sample.
 */
class DistributionTest {
    static final Path TARGET = CentralRequirementsTest.ROOT.resolve("ptsafe-cli/target");
    static final Path SAMPLE = CentralRequirementsTest.ROOT.resolve("samples/mlp.pt");
    static final String VERSION = CentralRequirementsTest.VERSION;

    @Test
    void archiveRunsWithJavaHome(@TempDir Path dir) throws Exception {
        Path home = unpack("ptsafe-" + VERSION + ".tar.gz", dir).resolve("ptsafe-" + VERSION);
        for (String file : List.of("bin/ptsafe", "lib/ptsafe.jar", "share/man/man1/ptsafe.1",
                "share/bash-completion/completions/ptsafe", "LICENSE", "NOTICE")) {
            assertTrue(Files.isRegularFile(home.resolve(file)), file);
        }
        assertTrue(Files.readString(home.resolve("share/man/man1/ptsafe.1")).startsWith(".TH PTSAFE 1"));
        assertTrue(Files.readString(home.resolve("share/bash-completion/completions/ptsafe")).contains("complete -"));
        // JAVA_HOME is this test's own Java 25; the PATH's java (if any) is not it, and is not used.
        Map<String, String> env = Map.of("JAVA_HOME", System.getProperty("java.home"), "PATH", "/usr/bin:/bin");
        runBoth(home, env);
    }

    @Test
    void runtimeImageRunsWithoutJava(@TempDir Path dir) throws Exception {
        Path home = unpack("ptsafe-" + VERSION + "-linux-x64.tar.gz", dir).resolve("ptsafe-" + VERSION + "-linux-x64");
        Path emptyBin = Files.createDirectories(dir.resolve("empty-bin"));
        assertFalse(Files.exists(emptyBin.resolve("java")));
        runBoth(home, Map.of("PATH", emptyBin.toString()));   // no JAVA_HOME, no java on PATH
    }

    private static void runBoth(Path home, Map<String, String> env) throws Exception {
        Result scan = run(home, env, "scan", SAMPLE.toString());
        assertEquals(0, scan.code(), scan.toString());
        assertTrue(scan.out().startsWith("SAFE"), scan.toString());

        Result inspect = run(home, env, "inspect", "--json", SAMPLE.toString());
        assertEquals(0, inspect.code(), inspect.toString());
        assertTrue(inspect.out().contains("\"format\" : \"TORCH_ZIP\""), inspect.toString());
        for (String tensor : List.of("0.weight", "0.bias", "2.weight", "2.bias")) {
            assertTrue(inspect.out().contains("\"" + tensor + "\""), tensor + " in " + inspect);
        }
    }

    private static Path unpack(String archive, Path into) throws Exception {
        Path file = TARGET.resolve(archive);
        assertTrue(Files.isRegularFile(file), file + " was built");
        Process tar = new ProcessBuilder("tar", "-xzf", file.toString(), "-C", into.toString()).inheritIO().start();
        assertTrue(tar.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, tar.exitValue(), "tar -xzf " + file);
        return into;
    }

    record Result(int code, String out, String err) {
    }

    private static Result run(Path home, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/ptsafe").toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.environment().putAll(env);
        Path out = Files.createTempFile(home, "out", ".txt");
        Path err = Files.createTempFile(home, "err", ".txt");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "ptsafe " + String.join(" ", args) + " ended");
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
