package io.ptsafe;

import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.spi.TarHeader;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;

/**
 * Opens the archives a tree scan meets (zip, tar, and gzip, bzip2 or xz streams, a tar inside or a
 * single file) and scans their members: each is streamed by commons-compress to a temporary file,
 * scanned like any file found by walking (an archive inside is opened in turn), and deleted. A zip
 * that is a torch checkpoint is not an archive here: {@link SafeLoader#scan} judges it.
 *
 * <p>Bounded by the {@code maxArchive*} limits of {@link LoadOptions}; over one, the archive gets
 * an INVALID report ({@link Reason#ARCHIVE_LIMIT}) and what lies beyond is not scanned.
 */
final class ArchiveScan {
    /** Extracted bytes below which the ratio is not checked: a small run of zeros compresses well. */
    static final long RATIO_FLOOR = 1 << 20;
    /** torch.save's layout: {@code <root>/data.pkl} (TorchScript: constants.pkl, torch.package: .data/). */
    private static final Pattern TORCH_ZIP = Pattern.compile("[^/]+/(data\\.pkl|constants\\.pkl|\\.data/version)");
    private static final int HEAD = 512;

    private enum Kind { ZIP, TAR, GZIP, BZIP2, XZ }

    private final LoadOptions options;
    private final TreeWalker walker;
    private final Temp temp;
    private int depth;
    private long members;
    private long bytes;

    ArchiveScan(LoadOptions options, TreeWalker walker, Temp temp) {
        this.options = options;
        this.walker = walker;
        this.temp = temp;
    }

    /** Scans {@code f}'s members when it is an archive; false when it is not one (or a torch zip). */
    boolean scanIfArchive(Path f, String location) {
        Kind kind = kind(f);
        if (kind == null) {
            return false;
        }
        ZipCount.Directory dir = null;
        if (kind == Kind.ZIP) {
            try {
                dir = ZipCount.read(f);
            } catch (IOException | RuntimeException e) {
                return false; // the strict reader reports it
            }
            // no end record: the strict torch-zip reader names what is wrong
            if (dir.records() < 0 || dir.torch()) {
                return false;
            }
        }
        if (depth == 0) {
            members = 0;
            bytes = 0;
        }
        depth++;
        try {
            if (depth > options.maxArchiveDepth()) {
                throw Limit.MAX_ARCHIVE_DEPTH.exceeded(Path.of(location), "archive nesting depth", depth,
                        options.maxArchiveDepth());
            }
            if (dir != null && members + dir.records() > options.maxArchiveMembers()) {
                // before commons-compress builds an object per entry
                throw Limit.MAX_ARCHIVE_MEMBERS.exceeded(Path.of(location), "archive members (zip "
                        + "central directory records)", members + dir.records(),
                        options.maxArchiveMembers());
            }
            switch (kind) {
                case ZIP -> zip(f, location);
                case TAR -> tar(f, location);
                default -> compressed(f, kind, location);
            }
        } catch (PtsafeException e) {
            walker.report(ScanReport.builder(Path.of(location), container(kind)).add(ScanFinding.of(e, Location.FILE))
                    .incomplete().build());
        } catch (IOException | RuntimeException e) {
            // commons-compress's word for a malformed archive (IOException, IllegalArgumentException ...)
            walker.report(ScanReport.builder(Path.of(location), container(kind)).add(ScanRule.INVALID_ARCHIVE,
                    Location.FILE, "cannot read the " + kind.name().toLowerCase(Locale.ROOT) + " archive: " + e)
                    .incomplete().build());
        } finally {
            depth--;
        }
        return true;
    }

    /** Whether a zip entry name is torch.save's {@code <root>/data.pkl} (or TorchScript's, torch.package's). */
    static boolean isTorchEntry(String name) {
        return TORCH_ZIP.matcher(name).matches();
    }

    private static ContainerKind container(Kind kind) {
        return switch (kind) {
            case ZIP -> ContainerKind.ZIP;
            case TAR -> ContainerKind.TAR;
            default -> ContainerKind.COMPRESSED;
        };
    }

    private static Kind kind(Path f) {
        byte[] h;
        try (InputStream in = Files.newInputStream(f)) {
            h = in.readNBytes(HEAD);
        } catch (IOException | RuntimeException e) {
            return null; // SafeLoader.scan reports it
        }
        if (starts(h, 'P', 'K', 3, 4) || starts(h, 'P', 'K', 5, 6)) {
            return Kind.ZIP;
        }
        if (starts(h, 0x1f, 0x8b)) {
            return Kind.GZIP;
        }
        if (starts(h, 'B', 'Z', 'h')) {
            return Kind.BZIP2;
        }
        if (starts(h, 0xfd, '7', 'z', 'X', 'Z', 0)) {
            return Kind.XZ;
        }
        return TarHeader.checksumValid(h) ? Kind.TAR : null;
    }

    private static boolean starts(byte[] h, int... prefix) {
        if (h.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((h[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private void zip(Path f, String location) throws IOException {
        try (ZipFile z = ZipFile.builder().setPath(f).get()) {
            for (ZipArchiveEntry e : Collections.list(z.getEntries())) {
                String loc = location + "!" + e.getName();
                member(loc);
                if (e.isDirectory()) {
                    continue;
                }
                if (e.isUnixSymlink()) {
                    walker.skip(loc, "a symbolic link member: it holds no file data");
                } else if (e.getGeneralPurposeBit().usesEncryption() || !z.canReadEntryData(e)) {
                    walker.report(ScanReport.builder(Path.of(loc), ContainerKind.UNKNOWN).add(ScanRule.INVALID_ARCHIVE,
                            Location.FILE, (e.getGeneralPurposeBit().usesEncryption() ? "an encrypted member"
                            : "a member compressed with method " + e.getMethod() + ", which cannot be read")
                            + ": it cannot be scanned").incomplete().build());
                } else {
                    long compressed = Math.max(1, e.getCompressedSize());
                    Meter m = new Meter(() -> compressed);
                    try (InputStream in = z.getInputStream(e)) {
                        extract(in, loc, e.getName(), m);
                    }
                }
            }
        }
    }

    private void tar(Path f, String location) throws IOException {
        try (Counting raw = new Counting(Files.newInputStream(f))) {
            boolean torchTar = tarMembers(new BufferedInputStream(raw, 1 << 16), location, new Meter(raw::count));
            if (torchTar) {
                // torch.load reads a tar with a 'storages' member itself (serialization.py legacy_load, line 881)
                walker.report(SafeLoader.scan(f, options).relabeled(Path.of(location), f.toString()));
            }
        }
    }

    /** The members of a tar stream; true when it has torch's 2017 layout (a 'storages' member). */
    private boolean tarMembers(InputStream in, String location, Meter meter) throws IOException {
        boolean storages = false;
        TarArchiveInputStream t = new TarArchiveInputStream(in);
        for (TarArchiveEntry e = t.getNextEntry(); e != null; e = t.getNextEntry()) {
            String loc = location + "!" + e.getName();
            member(loc);
            storages |= e.getName().equals("storages");
            if (e.isDirectory()) {
                continue;
            }
            if (e.isSymbolicLink() || e.isLink()) {
                walker.skip(loc, "a " + (e.isLink() ? "hard" : "symbolic") + " link member to " + e.getLinkName()
                        + ": it holds no file data");
            } else if (!e.isFile()) {
                walker.skip(loc, "a member that is no regular file (a device or fifo): it holds no file data");
            } else {
                extract(t, loc, e.getName(), meter);
            }
        }
        return storages;
    }

    private void compressed(Path f, Kind kind, String location) throws IOException {
        try (Counting raw = new Counting(Files.newInputStream(f))) {
            InputStream in = switch (kind) {
                case GZIP -> GzipCompressorInputStream.builder().setInputStream(raw).setDecompressConcatenated(true)
                        .get();
                case BZIP2 -> new BZip2CompressorInputStream(raw, true);
                default -> new XZCompressorInputStream(raw, true);
            };
            BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
            b.mark(HEAD);
            byte[] head = b.readNBytes(HEAD);
            b.reset();
            Meter meter = new Meter(raw::count);
            if (TarHeader.checksumValid(head)) {
                tarMembers(b, location, meter);
            } else {
                String name = inner(location);
                String loc = location + "!" + name;
                member(loc);
                extract(b, loc, name, meter);
            }
        }
    }

    /** The name of what a compressed file holds: its name without .gz, .bz2, .xz. */
    private static String inner(String location) {
        String name = Path.of(location.substring(location.lastIndexOf('!') + 1)).getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private void member(String loc) throws LimitExceededException {
        if (++members > options.maxArchiveMembers()) {
            throw Limit.MAX_ARCHIVE_MEMBERS.exceeded(Path.of(loc), "archive members", members,
                    options.maxArchiveMembers());
        }
    }

    /** Streams a member to a bounded temporary file, scans it, deletes it. */
    private void extract(InputStream in, String loc, String name, Meter meter) throws IOException {
        Path t = temp.newFile(name);
        try {
            long n = 0;
            byte[] buf = new byte[1 << 16];
            try (OutputStream out = Files.newOutputStream(t)) {
                for (int r = in.read(buf); r >= 0; r = in.read(buf)) {
                    n += r;
                    bytes += r;
                    meter.extracted += r;
                    check(loc, n, meter);
                    out.write(buf, 0, r);
                }
            }
            walker.file(t, loc, false);
        } finally {
            Files.deleteIfExists(t);
        }
    }

    private void check(String loc, long member, Meter meter) throws LimitExceededException {
        Path p = Path.of(loc);
        Limit.MAX_ARCHIVE_MEMBER_BYTES.check(options, member, p, "bytes extracted from one member");
        Limit.MAX_ARCHIVE_BYTES.check(options, bytes, p, "bytes extracted from the archive");
        long compressed = Math.max(1, meter.compressed.getAsLong());
        if (meter.extracted > RATIO_FLOOR && meter.extracted / compressed > options.maxArchiveRatio()) {
            throw Limit.MAX_ARCHIVE_RATIO.exceeded(p, "ratio of extracted to compressed bytes ("
                    + meter.extracted + " from " + compressed + ")", meter.extracted / compressed,
                    options.maxArchiveRatio());
        }
    }

    /** Extracted bytes of one compressed source, against the compressed bytes read from it. */
    private static final class Meter {
        final LongSupplier compressed;
        long extracted;

        Meter(LongSupplier compressed) {
            this.compressed = compressed;
        }
    }

    /** Counts the bytes read through it. */
    private static final class Counting extends FilterInputStream {
        private long count;

        Counting(InputStream in) {
            super(in);
        }

        long count() {
            return count;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count += b >= 0 ? 1 : 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            count += Math.max(n, 0);
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            count += Math.max(s, 0);
            return s;
        }
    }

    /** The temporary folder members are extracted to; closing deletes whatever is left in it. */
    static final class Temp implements AutoCloseable {
        private Path dir;
        private long next;

        Path newFile(String name) throws IOException {
            if (dir == null) {
                dir = Files.createTempDirectory("ptsafe-scan-");
            }
            String base = name.substring(name.lastIndexOf('/') + 1).replaceAll("[^A-Za-z0-9._-]", "_");
            return dir.resolve(next++ + "-" + (base.length() > 100 ? base.substring(base.length() - 100) : base));
        }

        @Override
        public void close() {
            if (dir == null) {
                return;
            }
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // best effort: the files are in the system's temporary folder
            }
        }
    }
}
