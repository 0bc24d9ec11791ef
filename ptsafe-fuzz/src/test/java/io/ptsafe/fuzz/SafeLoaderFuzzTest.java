package io.ptsafe.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ptsafe.SafeLoader;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes as a file, through {@link SafeLoader#open} (format detection, every provider), then
 * every read an application makes. Seeds: real and hostile files of every format.
 */
class SafeLoaderFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "30s")
    void open(byte[] bytes) throws IOException {
        Path p = Hostile.file(dir, "input.bin", bytes);
        Hostile.openReadClose(p, q -> SafeLoader.open(q, Hostile.OPTIONS));
    }
}
