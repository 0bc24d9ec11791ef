package io.ptsafe.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A JVM that exits mid-write (Ctrl-C, System.exit) runs no finally block; a shutdown hook cleans up. */
class ExitCleanupTest {
    @TempDir
    Path dir;

    @Test
    void exitingMidWriteLeavesNoTemporaryFile() throws Exception {
        Path target = dir.resolve("model.safetensors");
        Files.writeString(target, "old");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", LargeConversionTest.classPath(), ExitMidwayMain.class.getName(), target.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(3, p.exitValue(), output);
        assertEquals(List.of(target), SafetensorsWriterTest.list(dir));
        assertEquals("old", Files.readString(target));
    }
}
