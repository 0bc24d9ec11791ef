package io.ptsafe;

import io.ptsafe.scan.ScanFinding.Location;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.scan.TreeScan;

/**
 * The walk behind {@link SafeLoader#scanTree}: every entry of every folder, hidden ones included,
 * in name order; symbolic links followed, with cycles and second visits listed instead of walked;
 * archives handed to {@link ArchiveScan}. One instance per call; not thread-safe.
 */
final class TreeWalker {
    private final LoadOptions options;
    private final List<ScanReport> reports = new ArrayList<>();
    private final List<TreeScan.Skipped> skipped = new ArrayList<>();
    private final List<TreeScan.OutsideLink> outside = new ArrayList<>();
    /** Real paths of the folders walked and files scanned, with where they were first met. */
    private final Map<Path, String> seen = new HashMap<>();
    private final Deque<Path> ancestors = new ArrayDeque<>();
    private final ArchiveScan archives;

    TreeWalker(LoadOptions options, ArchiveScan.Temp temp) {
        this.options = options;
        this.archives = new ArchiveScan(options, this, temp);
    }

    TreeScan result() {
        return new TreeScan(reports, skipped, outside);
    }

    /** A path given by the caller: a folder is walked; a file is scanned and always reported. */
    void root(Path p) {
        if (Files.isDirectory(p)) {
            Path real;
            try {
                real = p.toRealPath();
            } catch (IOException e) {
                reports.add(error(p.toString(), "cannot resolve the folder: " + e));
                return;
            }
            seen.put(real, p.toString());
            walk(p, real, real);
        } else {
            file(p, p.toString(), true);
        }
    }

    private void walk(Path dir, Path real, Path root) {
        ancestors.push(real);
        try {
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                s.forEach(children::add);
            } catch (IOException | RuntimeException e) {
                // its files cannot be accounted for: the folder itself fails the scan
                reports.add(error(dir.toString(), "cannot list the folder: " + e));
                return;
            }
            children.sort(null);
            for (Path c : children) {
                child(c, root);
            }
        } finally {
            ancestors.pop();
        }
    }

    private void child(Path c, Path root) {
        String loc = c.toString();
        Path real;
        try {
            real = c.toRealPath();
        } catch (NoSuchFileException e) {
            skipped.add(new TreeScan.Skipped(loc, "broken symbolic link to " + linkTarget(c)));
            return;
        } catch (IOException | RuntimeException e) {
            reports.add(error(loc, "cannot resolve the path: " + e));
            return;
        }
        if (Files.isSymbolicLink(c) && !real.startsWith(root)) {
            outside.add(new TreeScan.OutsideLink(loc, real));
        }
        if (Files.isDirectory(real)) {
            if (ancestors.contains(real)) {
                skipped.add(new TreeScan.Skipped(loc, "symbolic link cycle: it leads back to the folder " + real
                        + ", which is being walked"));
                return;
            }
            String first = seen.putIfAbsent(real, loc);
            if (first != null) {
                skipped.add(new TreeScan.Skipped(loc, "the same folder as " + first + ", walked there"));
                return;
            }
            walk(c, real, root);
        } else if (Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            String first = seen.putIfAbsent(real, loc);
            if (first != null) {
                skipped.add(new TreeScan.Skipped(loc, "the same file as " + first + ", scanned there"));
                return;
            }
            file(c, loc, false);
        } else {
            // never opened: reading a fifo would block
            skipped.add(new TreeScan.Skipped(loc, "not a regular file (a fifo, socket or device)"));
        }
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

    private static String linkTarget(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | RuntimeException e) {
            return "a missing target";
        }
    }
}
