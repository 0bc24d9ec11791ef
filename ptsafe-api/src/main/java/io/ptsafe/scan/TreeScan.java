package io.ptsafe.scan;

import io.ptsafe.scan.ScanReport.Verdict;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;

/**
 * What {@link SafeLoader#scanTree} found under some paths: a report for every file scanned, and
 * every other file with the reason it was not scanned. Nothing is left out: hidden files and folders
 * are walked, symbolic links followed, archives opened.
 *
 * <pre>{@code
 * TreeScan t = SafeLoader.scanTree(List.of(Path.of("models")), LoadOptions.defaults());
 * if (t.reports().isEmpty() || t.verdict() != ScanReport.Verdict.SAFE) {
 *     ... refuse the upload; t.skipped() says what was not a model file and why
 * }
 * }</pre>
 *
 * @param reports      one report per file scanned, in walk order (sorted names); a member of an
 *                     archive is named {@code archive!member} ({@code bundle.tar.gz!models/x.pt})
 * @param skipped      every file found and not scanned, with the reason
 * @param outsideLinks symbolic links that lead out of the folder given; their targets were followed
 *                     and are among the reports or skipped files like any other
 */
public record TreeScan(List<ScanReport> reports, List<Skipped> skipped, List<OutsideLink> outsideLinks) {

    /**
     * A file found and not scanned.
     *
     * @param location the path, or {@code archive!member}
     * @param reason   why: not a model file (and why not), a link cycle, a file already scanned
     *                 under another name, a broken link, a fifo or device, a link member of an archive
     */
    public record Skipped(String location, String reason) {
        /**
         * Checks the components.
         *
         * @throws NullPointerException if either is null
         */
        public Skipped {
            Objects.requireNonNull(location, "location");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * A symbolic link leading out of the folder being walked; it was followed.
     *
     * @param location the link, as found under the folder
     * @param target   the real path it leads to
     */
    public record OutsideLink(String location, Path target) {
        /**
         * Checks the components.
         *
         * @throws NullPointerException if either is null
         */
        public OutsideLink {
            Objects.requireNonNull(location, "location");
            Objects.requireNonNull(target, "target");
        }
    }

    /**
     * Keeps unmodifiable copies.
     *
     * @throws NullPointerException if a list is null
     */
    public TreeScan {
        reports = List.copyOf(reports);
        skipped = List.copyOf(skipped);
        outsideLinks = List.copyOf(outsideLinks);
    }

    /** {@return UNSAFE if any report is, else INVALID if any is, else SAFE (also when nothing was scanned)} */
    public Verdict verdict() {
        return ScanReports.worst(reports);
    }

    /** {@return whether no file was scanned: the paths held no model file at all} */
    public boolean scannedNothing() {
        return reports.isEmpty();
    }
}
