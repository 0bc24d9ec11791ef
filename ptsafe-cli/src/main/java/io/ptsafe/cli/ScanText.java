package io.ptsafe.cli;

import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReport.Verdict;
import io.ptsafe.scan.TreeScan;
import java.io.PrintWriter;

/** The text report of {@code ptsafe scan}: a line per file and per finding, the files not scanned, a summary. */
final class ScanText {
    private ScanText() {
    }

    static String summary(TreeScan tree) {
        int[] counts = new int[Verdict.values().length];
        for (ScanReport r : tree.reports()) {
            counts[r.verdict().ordinal()]++;
        }
        int n = tree.reports().size();
        int skipped = tree.skipped().size();
        return String.format("%d file%s: %d safe, %d unsafe, %d invalid%s", n, n == 1 ? "" : "s",
                counts[Verdict.SAFE.ordinal()], counts[Verdict.UNSAFE.ordinal()], counts[Verdict.INVALID.ordinal()],
                skipped == 0 ? "" : "; " + skipped + " other file" + (skipped == 1 ? "" : "s") + " not scanned, listed "
                + "with the reason");
    }

    static void write(PrintWriter out, TreeScan tree) {
        for (ScanReport r : tree.reports()) {
            out.printf("%-7s %s (%s%s)%n", r.verdict(), r.path(), r.container(), r.tensors()
                    .map(t -> ", " + t.count() + " tensors, " + t.bytes() + " bytes").orElse(""));
            for (ScanFinding f : r.findings()) {
                out.printf("  %s %-7s %s%s%n", f.rule().id(), f.severity(), where(f.location()),
                        Cli.oneLine(f.message()));
            }
            if (r.omittedFindings() > 0) {
                out.printf("  ... and %d more findings%n", r.omittedFindings());
            }
            if (!r.complete()) {
                out.println("  (the scan stopped early: what follows that point was not examined)");
            }
        }
        for (TreeScan.Skipped k : tree.skipped()) {
            out.printf("%-7s %s: %s%n", "-", k.location(), Cli.oneLine(k.reason()));
        }
        for (TreeScan.OutsideLink l : tree.outsideLinks()) {
            out.printf("%-7s %s -> %s (a link out of the folder given: followed and scanned)%n", "link", l.location(),
                    l.target());
        }
        out.println(summary(tree));
    }

    private static String where(ScanFinding.Location l) {
        StringBuilder sb = new StringBuilder();
        if (l.entry() != null) {
            sb.append(l.entry());
            if (l.entryOffset() >= 0) {
                sb.append(" @").append(l.entryOffset());
            }
        }
        if (l.fileOffset() >= 0) {
            sb.append(sb.isEmpty() ? "" : " ").append("(file offset ").append(l.fileOffset()).append(')');
        }
        return sb.isEmpty() ? "" : sb.append(": ").toString();
    }
}
