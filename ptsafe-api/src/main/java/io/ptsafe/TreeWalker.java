package io.ptsafe;

import io.ptsafe.scan.ScanFinding.Location;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.scan.TreeListing;
import io.ptsafe.scan.TreeScan;

/**
 * The scan behind {@link SafeLoader#scanTree}: the files {@link TreeListing} lists (its walk rules:
 * every entry in name order, links followed, cycles and second visits listed instead of walked)
 * scanned, archives handed to {@link ArchiveScan}. One instance per call; not thread-safe.
 */
final class TreeWalker {
    private final LoadOptions options;
    private final List<ScanReport> reports = new ArrayList<>();
    private final List<TreeScan.Skipped> skipped = new ArrayList<>();
    private final List<TreeScan.OutsideLink> outside = new ArrayList<>();
    private final ArchiveScan archives;
    /** The walk's rules (shared with ptsafe-spark): this walker scans what it lists. */
    private final TreeListing listing = new TreeListing(new TreeListing.Visitor() {
        @Override
        public void file(Path file, String location, boolean named) {
            TreeWalker.this.file(file, location, named);
        }

        @Override
        public void skipped(String location, String reason) {
            skip(location, reason);
        }

        @Override
        public void error(String location, String message) {
            reports.add(TreeWalker.error(location, message));
        }

        @Override
        public void outsideLink(String location, Path target) {
            outside.add(new TreeScan.OutsideLink(location, target));
        }
    });

    TreeWalker(LoadOptions options, ArchiveScan.Temp temp) {
        this.options = options;
        this.archives = new ArchiveScan(options, this, temp);
    }

    TreeScan result() {
        return new TreeScan(reports, skipped, outside);
    }

    /** A path given by the caller: a folder is walked; a file is scanned and always reported. */
    void root(Path p) {
        listing.root(p);
    }

    /**
     * Scans one file: an archive is opened and its members scanned; anything else goes to
     * {@link SafeLoader#scan}. A file found by walking that no provider recognises is listed as not
     * a model file; one the caller named is reported (INVALID).
     *
     * @param f        the file to read (a temporary file for an archive member)
     * @param location how reports name it
     * @param named    whether the caller named it
     */
    void file(Path f, String location, boolean named) {
        if (archives.scanIfArchive(f, location)) {
            return;
        }
        ScanReport r = SafeLoader.scan(f, options);
        if (!named && notAModel(r)) {
            skipped.add(new TreeScan.Skipped(location, "not a model file: " + r.findings().getFirst().message()
                    .replace(f.toString(), location)));
        } else {
            reports.add(location.equals(f.toString()) ? r : r.relabeled(Path.of(location), f.toString()));
        }
    }

    void report(ScanReport r) {
        reports.add(r);
    }

    void skip(String location, String reason) {
        skipped.add(new TreeScan.Skipped(location, reason));
    }

    /** Only "unknown format": no provider recognised the file's bytes. */
    private static boolean notAModel(ScanReport r) {
        return r.container() == ContainerKind.UNKNOWN && r.complete() && !r.findings().isEmpty()
                && r.findings().stream().allMatch(x -> x.rule() == ScanRule.UNKNOWN_FORMAT);
    }

    static ScanReport error(String location, String message) {
        return ScanReport.builder(Path.of(location), ContainerKind.UNKNOWN).add(ScanRule.IO_ERROR, Location.FILE,
                message).incomplete().build();
    }
}
