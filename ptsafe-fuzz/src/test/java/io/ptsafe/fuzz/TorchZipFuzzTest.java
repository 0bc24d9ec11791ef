package io.ptsafe.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ptsafe.LoadOptions;
import io.ptsafe.pickle.zip.TorchZipReader;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes as a {@code .pt} zip archive: the zip container (central directory, local headers,
 * extents, DEFLATE and its bomb limits, CRC policies), the torch layout, data.pkl through the
 * machine, the storages, then every read. The CRC policy varies with the input's length, so all
 * three are fuzzed.
 */
class TorchZipFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "30s")
    void zip(byte[] bytes) throws IOException {
        Path p = Hostile.file(dir, "input.pt", bytes);
        LoadOptions.CrcPolicy crc = LoadOptions.CrcPolicy.values()[bytes.length % 3];
        Hostile.openReadClose(p, q -> TorchZipReader.open(q, Hostile.OPTIONS.toBuilder().crcPolicy(crc).build()));
    }
}
