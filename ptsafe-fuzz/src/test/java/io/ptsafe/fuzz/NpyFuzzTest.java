package io.ptsafe.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes as a numpy file: a {@code .npy} (magic, version, header length, the header grammar,
 * the data's extent, byte order, Fortran order), a {@code .npz} when they start with a zip local
 * header (the zip checks, DEFLATE, members), or, when they start with '{', a header literal alone,
 * wrapped in a version 1.0 prefix and followed by 64 bytes of data, so that the grammar is fuzzed
 * without the fuzzer first having to find the magic and a matching length. Then every read, and
 * the scan must agree with open (SAFE exactly when it loads), as in {@link ScanFuzzTest}.
 */
class NpyFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "30s")
    void npy(byte[] bytes) throws IOException {
        byte[] file = bytes.length > 0 && bytes[0] == '{' ? wrap(bytes) : bytes;
        Path p = Hostile.file(dir, "input.bin", file);
        Hostile.openReadClose(p, q -> SafeLoader.open(q, Hostile.OPTIONS));
        ScanReport report = SafeLoader.scan(p, Hostile.OPTIONS);
        if (!report.findings(ScanRule.SCANNER_ERROR).isEmpty()) {
            throw new AssertionError("a scanner failed: " + report.findings(ScanRule.SCANNER_ERROR));
        }
        String refusal = null;
        try (TensorFile f = SafeLoader.open(p, Hostile.OPTIONS)) {
            f.tensors();
        } catch (PtsafeException e) {
            refusal = e.getMessage();
        }
        if ((report.verdict() == ScanReport.Verdict.SAFE) != (refusal == null)) {
            throw new AssertionError("scan says " + report.verdict() + " but open "
                    + (refusal == null ? "loads the file" : "refuses it: " + refusal) + "; report: " + report);
        }
    }

    /** A version 1.0 .npy around a header (up to 65535 bytes of it) and 64 bytes of data. */
    static byte[] wrap(byte[] header) {
        int n = Math.min(header.length, 0xffff);
        ByteArrayOutputStream b = new ByteArrayOutputStream(n + 74);
        b.writeBytes(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) n, (byte) (n >> 8)});
        b.write(header, 0, n);
        for (int i = 0; i < 64; i++) {
            b.write(i * 37);
        }
        return b.toByteArray();
    }
}
