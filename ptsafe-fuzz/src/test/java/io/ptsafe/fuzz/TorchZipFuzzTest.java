package io.ptsafe.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.zip.TorchZipReader;
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
    void zip(byte[] bytes) {
        Path p = Hostile.file(dir, "input.pt", bytes);
        LoadOptions.CrcPolicy crc = LoadOptions.CrcPolicy.values()[bytes.length % 3];
        try (TensorFile f = TorchZipReader.open(p, Hostile.OPTIONS.toBuilder().crcPolicy(crc).build())) {
            Hostile.readAll(f);
        } catch (PtsafeException e) {
            Hostile.refused(e, p);
        }
    }
}
