package io.ptsafe.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.pickle.zip.TorchZipReader;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes as a {@code .pt} zip archive: the zip container (central directory, local headers,
 * extents, DEFLATE and its bomb limits, CRC policies), the torch layout, data.pkl through the
 * machine, the storages, then every read. The CRC policy varies with the input's length, so all
 * three are fuzzed; so does {@link LoadOptions#allowTorchScriptWeights()}, so that TorchScript
 * archives (seeds {@code ts_*}) are both refused and read for their weights. An archive ptsafe accepts must lead to the data.pkl torch's miniz finds
 * ({@link ZipOracle}).
 */
class TorchZipFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "30s")
    void zip(byte[] bytes) throws IOException {
        Path p = Hostile.file(dir, "input.pt", bytes);
        LoadOptions.CrcPolicy crc = LoadOptions.CrcPolicy.values()[bytes.length % 3];
        LoadOptions options = Hostile.OPTIONS.toBuilder().crcPolicy(crc)
                .allowTorchScriptWeights(bytes.length / 3 % 2 == 1).build();
        Hostile.openReadClose(p, q -> TorchZipReader.open(q, options));
        // the differential oracle: a zip ptsafe accepts leads to the data.pkl miniz finds
        try (Arena arena = Arena.ofConfined()) {
            ZipOracle.check(bytes, TorchZipReader.dataPickleOffset(p, MemorySegment.ofArray(bytes).asReadOnly(), arena,
                    options));
        } catch (PtsafeException e) {
            Hostile.refused(e, p);
        }
    }
}
