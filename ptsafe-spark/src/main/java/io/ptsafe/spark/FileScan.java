package io.ptsafe.spark;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.scan.TreeScan;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * Scans one {@link FileTask} on an executor into its rows. A local file is read in place; a remote
 * one is copied to a private temporary folder under {@link ScanSettings#maxRemoteFileBytes} and
 * deleted after. Nothing about a file fails the job: a file that is gone, unreadable or over the
 * cap is a row saying so (INVALID, rule PTS204).
 */
final class FileScan {
    private final ScanSettings settings;
    private final LoadOptions options;
    private final Configuration conf;

    FileScan(ScanSettings settings, Configuration conf) {
        this.settings = settings;
        this.options = settings.loadOptions();
        this.conf = conf;
    }

    List<InternalRow> rows(FileTask t) {
        boolean files = settings.mode == Mode.FILES;
        if (t.skipReason() != null) {
            return files ? List.of(Rows.skipped(t.location(), t.location(), t.skipReason())) : List.of();
        }
        if (t.error() != null) {
            return files ? List.of(Rows.file(t.location(), ioError(t.location(), t.error()), t.location(), null, null, s -> s))
                    : List.of();
        }
        return t.local() ? local(t) : remote(t);
    }

    private List<InternalRow> local(FileTask t) {
        java.nio.file.Path p = java.nio.file.Path.of(t.location());
        Long size = null;
        String sha = null;
        if (settings.mode == Mode.FILES) {
            try {
                size = Files.size(p);
                sha = settings.hashFiles ? Digests.file(p) : null;
            } catch (IOException | RuntimeException e) {
                // the scan reports why the file cannot be read
            }
        }
        return scanned(t, p, size, sha);
    }

    private List<InternalRow> remote(FileTask t) {
        Path hp = new Path(t.location());
        java.nio.file.Path dir = null;
        try {
            FileSystem fs = hp.getFileSystem(conf);
            FileStatus st = fs.getFileStatus(hp);
            if (st.getLen() > settings.maxRemoteFileBytes) {
                return overCap(t, st.getLen());
            }
            dir = settings.localTempDir == null ? Files.createTempDirectory("ptsafe-spark-")
                    : Files.createTempDirectory(java.nio.file.Path.of(settings.localTempDir), "ptsafe-spark-");
            java.nio.file.Path copy = dir.resolve(localName(hp.getName()));
            MessageDigest md = Digests.sha256();
            long n = 0;
            byte[] buf = new byte[64 << 10];
            try (InputStream in = fs.open(hp);
                    OutputStream out = Files.newOutputStream(copy, StandardOpenOption.CREATE_NEW)) {
                for (int r; (r = in.read(buf)) > 0; ) {
                    n += r;
                    if (n > settings.maxRemoteFileBytes) {
                        return overCap(t, n); // it grew since it was listed
                    }
                    md.update(buf, 0, r);
                    out.write(buf, 0, r);
                }
            }
            return scanned(t, copy, n, settings.hashFiles ? Digests.hex(md) : null);
        } catch (IOException | RuntimeException e) {
            return settings.mode == Mode.FILES
                    ? List.of(Rows.file(t.location(), ioError(t.location(), "cannot copy the file to scan it: " + e), t.location(),
                            null, null, s -> s))
                    : List.of();
        } finally {
            if (dir != null) {
                deleteTree(dir);
            }
        }
    }

    /** Scans {@code p}, the file itself or its local copy, as {@code ptsafe scan} would scan {@code t}. */
    private List<InternalRow> scanned(FileTask t, java.nio.file.Path p, Long size, String sha) {
        String from = p.toString();
        String to = t.location();
        UnaryOperator<String> relabel = from.equals(to) ? s -> s : s -> s.replace(from, to);
        TreeScan tree = SafeLoader.scanTree(List.of(p), options);
        List<ScanReport> reports = tree.reports();
        if (!t.named() && reports.size() == 1 && tree.skipped().isEmpty() && notAModel(reports.getFirst())) {
            // found by walking and no format recognises it: listed, not reported (TreeWalker.file)
            ScanReport r = reports.getFirst();
            return settings.mode == Mode.FILES ? List.of(Rows.skipped(to, to,
                    relabel.apply("not a model file: " + r.findings().getFirst().message()))) : List.of();
        }
        List<InternalRow> rows = new ArrayList<>();
        if (settings.mode == Mode.FILES) {
            for (ScanReport r : reports) {
                rows.add(Rows.file(relabel.apply(r.path().toString()), r, to, size, sha, relabel));
            }
            for (TreeScan.Skipped k : tree.skipped()) {
                rows.add(Rows.skipped(relabel.apply(k.location()), to, relabel.apply(k.reason())));
            }
            return rows;
        }
        if (reports.size() == 1 && reports.getFirst().path().toString().equals(from)
                && reports.getFirst().verdict() == ScanReport.Verdict.SAFE) {
            try (TensorFile f = SafeLoader.open(p, options)) {
                for (Tensor tensor : f.tensors()) {
                    String hash;
                    try {
                        hash = Digests.tensor(tensor);
                    } catch (RuntimeException e) {
                        hash = null; // a view whose contiguous copy cannot be made: no hash, the row stays
                    }
                    rows.add(Rows.tensor(to, tensor, hash));
                }
            } catch (IOException | RuntimeException e) {
                // scanned SAFE yet not opened (a shard of an index missing from a remote copy): the files
                // table has the file; no tensor rows are made up
                return List.of();
            }
        }
        return rows;
    }

    private List<InternalRow> overCap(FileTask t, long size) {
        if (settings.mode != Mode.FILES) {
            return List.of();
        }
        return List.of(Rows.file(t.location(), ioError(t.location(), "not scanned: the file holds " + size + " bytes, over "
                + ScanSettings.MAX_REMOTE_FILE_BYTES + " = " + settings.maxRemoteFileBytes
                + " (an option of the ptsafe data source: remote files are copied to the executor's disk to be scanned)"),
                t.location(), size, null, s -> s));
    }

    /** As {@code TreeWalker.error}: an INVALID report of rule PTS204, the file not examined. */
    static ScanReport ioError(String location, String message) {
        return ScanReport.builder(java.nio.file.Path.of(location), ContainerKind.UNKNOWN)
                .add(ScanRule.IO_ERROR, ScanFinding.Location.FILE, message).incomplete().build();
    }

    /** Only "unknown format": no provider recognised the file's bytes (as TreeWalker.notAModel). */
    private static boolean notAModel(ScanReport r) {
        return r.container() == ContainerKind.UNKNOWN && r.complete() && !r.findings().isEmpty()
                && r.findings().stream().allMatch(x -> x.rule() == ScanRule.UNKNOWN_FORMAT);
    }

    /** The remote file's own name (formats are recognised by bytes, but a shard index by its name too). */
    private static String localName(String name) {
        return name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") ? "file" : name;
    }

    private static void deleteTree(java.nio.file.Path dir) {
        try (Stream<java.nio.file.Path> s = Files.walk(dir)) {
            for (java.nio.file.Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (IOException | UncheckedIOException e) {
            // best effort, never a failed task: the copy is in the executor's own temporary folder
            dir.toFile().deleteOnExit();
        }
    }
}
