package io.ptsafe.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReports;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes as a file through {@link SafeLoader#scan}: it must never throw, never fall back on its
 * SCANNER_ERROR finding (which hides a bug of a scanner), and agree with {@link SafeLoader#open}
 * under the same options: SAFE exactly when open loads the file. The options vary with the input's
 * length: each CRC policy, with and without two inert globals. The report is then written as JSON
 * and SARIF, whose strings come from the file.
 */
class ScanFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "30s")
    void scan(byte[] bytes) throws IOException {
        Path p = Hostile.file(dir, "input.bin", bytes);
        LoadOptions.Builder b = Hostile.OPTIONS.toBuilder().crcPolicy(LoadOptions.CrcPolicy.values()[bytes.length % 3]);
        if (bytes.length % 2 == 1) {
            b.addInertGlobals("argparse.Namespace", "numpy.dtype");
        }
        LoadOptions options = b.build();
        ScanReport report = SafeLoader.scan(p, options);
        if (!report.findings(ScanRule.SCANNER_ERROR).isEmpty()) {
            throw new AssertionError("a scanner failed: " + report.findings(ScanRule.SCANNER_ERROR));
        }
        String refusal = null;
        try (TensorFile f = SafeLoader.open(p, options)) {
            f.tensors();
        } catch (PtsafeException e) {
            Hostile.refused(e, p);
            refusal = e.getMessage();
        }
        if ((report.verdict() == ScanReport.Verdict.SAFE) != (refusal == null)) {
            throw new AssertionError("scan says " + report.verdict() + " but open "
                    + (refusal == null ? "loads the file" : "refuses it: " + refusal) + "; report: " + report);
        }
        ScanReports.writeJson(List.of(report), OutputStream.nullOutputStream());
        ScanReports.writeSarif(List.of(report), OutputStream.nullOutputStream());
    }
}
