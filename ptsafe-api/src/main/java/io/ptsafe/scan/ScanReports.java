package io.ptsafe.scan;

import io.ptsafe.scan.ScanReport.Verdict;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import io.ptsafe.SafeLoader;

/**
 * Writes scan reports for machines: ptsafe's JSON (schema {@code docs/scan-report.schema.json}) and
 * SARIF 2.1.0 for code-scanning tools. Both are UTF-8, written in one streaming pass; the stream is
 * flushed, not closed.
 */
public final class ScanReports {
    private ScanReports() {
    }

    /**
     * {@return the verdict of a set of files: UNSAFE if any is, else INVALID if any is, else SAFE}
     *
     * @param reports one report per file; SAFE when empty
     */
    public static Verdict worst(List<ScanReport> reports) {
        Verdict v = Verdict.SAFE;
        for (ScanReport r : reports) {
            if (r.verdict() == Verdict.UNSAFE) {
                return Verdict.UNSAFE;
            }
            if (r.verdict() == Verdict.INVALID) {
                v = Verdict.INVALID;
            }
        }
        return v;
    }

    /**
     * Writes ptsafe's JSON report of {@code reports} (see {@code docs/scan-report.schema.json}).
     *
     * @param reports one report per file, in the order to list them
     * @param out     where the UTF-8 JSON goes; flushed, not closed
     * @throws IOException when writing to {@code out} fails
     */
    public static void writeJson(List<ScanReport> reports, OutputStream out) throws IOException {
        ScanJson.write(reports, out);
    }

    /**
     * Writes ptsafe's JSON report of a tree scan: its reports, and its skipped files and outside
     * links in the {@code skipped} and {@code outsideLinks} arrays (see {@code docs/scan-report.schema.json}).
     *
     * @param tree what {@link SafeLoader#scanTree} returned
     * @param out  where the UTF-8 JSON goes; flushed, not closed
     * @throws IOException when writing to {@code out} fails
     */
    public static void writeJson(TreeScan tree, OutputStream out) throws IOException {
        ScanJson.write(tree.reports(), tree, out);
    }

    /**
     * Writes a SARIF 2.1.0 log: one run, the whole rule catalog as the driver's rules, one artifact
     * per file (with its container and verdict as properties), one result per finding located by
     * the file's URI and the finding's byte offset (the zip entry as a logical location).
     *
     * @param reports one report per file, in the order to list them
     * @param out     where the UTF-8 SARIF goes; flushed, not closed
     * @throws IOException when writing to {@code out} fails
     */
    public static void writeSarif(List<ScanReport> reports, OutputStream out) throws IOException {
        ScanSarif.write(reports, out);
    }

    /**
     * Writes a SARIF 2.1.0 log of a tree scan: as {@link #writeSarif(List, OutputStream)} for its
     * reports, and each skipped file and outside link as a note of the run's invocation
     * ({@code toolExecutionNotifications}), so that nothing the scan did not scan goes unmentioned.
     *
     * @param tree what {@link SafeLoader#scanTree} returned
     * @param out  where the UTF-8 SARIF goes; flushed, not closed
     * @throws IOException when writing to {@code out} fails
     */
    public static void writeSarif(TreeScan tree, OutputStream out) throws IOException {
        ScanSarif.write(tree.reports(), tree, out);
    }

    /** ptsafe's version, when the build recorded one. */
    static String version() {
        Module m = ScanReports.class.getModule();
        if (m.getDescriptor() != null && m.getDescriptor().rawVersion().isPresent()) {
            return m.getDescriptor().rawVersion().get();
        }
        return ScanReports.class.getPackage().getImplementationVersion();
    }
}
