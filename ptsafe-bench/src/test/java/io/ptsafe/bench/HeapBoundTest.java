package io.ptsafe.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The heap check runs as run.sh runs it, in a child JVM with -Xmx64m, here on a 256 MiB sparse file
 * (the real run uses 4 GiB). Asserts it completes and reports, not how much heap it used.
 */
class HeapBoundTest {
    @Test
    void hashesASparseFileInA64MiBHeap() throws Exception {
        Path data = Files.createDirectories(Path.of(System.getProperty("ptsafe.bench.build", "target"), "smoke-data"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-Xmx64m", "-Dptsafe.bench.data=" + data.toAbsolutePath(),
                "-cp", System.getProperty("java.class.path"), HeapBound.class.getName(), "256m"))
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "HeapBound did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("268435456 tensor bytes hashed"), out);
        assertTrue(out.contains("peak heap"), out);
    }
}
