package io.ptsafe.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ptsafe.pickle.legacy.LegacyReader;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes as a legacy {@code torch.save} stream (magic, protocol version, sys_info, the object
 * pickle, the storage key list, the storage section), then every read.
 */
class LegacyFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "30s")
    void legacy(byte[] bytes) throws IOException {
        Path p = Hostile.file(dir, "input.legacy.pt", bytes);
        Hostile.openReadClose(p, q -> LegacyReader.open(q, Hostile.OPTIONS));
    }
}
