package io.ptsafe.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ptsafe.FileFormat;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HexFormat;
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
        Hostile.openReadClose(p, q -> {
            TensorFile f = SafeLoader.open(q, Hostile.OPTIONS);
            try {
                sameContainerAsTorch(bytes, f.format());
            } catch (AssertionError e) {
                f.close();
                throw e;
            }
            return f;
        });
    }

    /**
     * The differential oracle (issue 14): torch.load takes a file for a zip checkpoint exactly when
     * its first 4 bytes are a local header's signature (torch/serialization.py 1.13, {@code load}
     * line 772 and {@code _is_zipfile} line 66), and reads any other file as a legacy stream. A file
     * ptsafe opened as one must be what torch reads as that one.
     */
    static void sameContainerAsTorch(byte[] b, FileFormat format) {
        boolean zipMagic = b.length >= 4 && b[0] == 'P' && b[1] == 'K' && b[2] == 3 && b[3] == 4;
        if (format == FileFormat.TORCH_ZIP && !zipMagic || format == FileFormat.TORCH_LEGACY && zipMagic) {
            throw new AssertionError("opened as " + format + " a file torch.load reads as "
                    + (zipMagic ? "a zip checkpoint" : "a legacy stream") + " (first bytes "
                    + HexFormat.of().formatHex(b, 0, Math.min(4, b.length)) + ")");
        }
    }
}
