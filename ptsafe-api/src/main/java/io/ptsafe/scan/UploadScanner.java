package io.ptsafe.scan;

import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import io.ptsafe.internal.Spool;
import io.ptsafe.spi.MappedFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;

/**
 * Validates uploads for a service that receives model files: each upload is streamed into a
 * quarantine folder under a size cap, scanned there, and kept only when SAFE, moved atomically into
 * a content-addressed store; everything else is deleted before {@link #scan} returns or throws.
 *
 * <pre>{@code
 * UploadScanner uploads = UploadScanner.create(Path.of("uploads/quarantine"), Path.of("uploads/store"),
 *         LoadOptions.builder().maxStreamBytes(2L << 30).build());
 * UploadScanner.Upload u = uploads.scan(request.getInputStream(), "model.pt");
 * if (u.stored().isPresent()) { ... } else { ... u.report().findings() ... }
 * }</pre>
 *
 * <ul>
 * <li>The upload is written to a new file {@code quarantine/upload-<random>.part}, readable and
 *     writable by its owner only (where the file system has POSIX permissions), hashed (SHA-256) as
 *     it is written, and forced to the device (and, once moved, the store's folder too).</li>
 * <li>At most {@link LoadOptions#maxStreamBytes()} bytes are read: past that, the file is deleted and
 *     {@link #scan} throws a {@link LimitExceededException} (setting {@code maxStreamBytes}) without
 *     reading the rest. An upload that fails while it is read (the client went away: the stream
 *     throws) or written (a full disk) is deleted and the exception rethrown.</li>
 * <li>The file is scanned as content named by the caller ({@link SafeLoader#scan(java.lang.foreign.MemorySegment,
 *     String, LoadOptions)}), never by its path: the report names the upload, not the quarantine,
 *     and a sharded checkpoint index (which names other files) is INVALID.</li>
 * <li>SAFE: the file is moved with {@link StandardCopyOption#ATOMIC_MOVE} to {@code store/<sha256>},
 *     named by the lowercase hex SHA-256 of its bytes, never by anything the client sends. Readers of
 *     the store see a whole file or none. When that name is already there (the same bytes uploaded
 *     before, or at the same time), the upload is idempotent: the stored file stays, the new copy is
 *     deleted, and the same path is returned.</li>
 * <li>Not SAFE: the file is deleted; {@link Upload#stored()} is empty.</li>
 * </ul>
 *
 * <p>Thread-safe and stateless: uploads may run concurrently, each in its own file. The quarantine
 * and the store must be on the same file store (checked by {@link #create}), so that the move is a
 * rename. A crash between receiving and deciding can leave {@code upload-*.part} files behind:
 * {@link #deleteLeftovers()} removes them at start. The disk taken at once is at most the uploads
 * running times {@code maxStreamBytes}: bound the concurrent uploads (a worker pool) accordingly.
 */
public final class UploadScanner {
    /** Prefix of the files of uploads in quarantine. */
    static final String PREFIX = "upload-";

    private final Path quarantine;
    private final Path store;
    private final LoadOptions options;
    private final Spool.Opener opener;

    UploadScanner(Path quarantine, Path store, LoadOptions options, Spool.Opener opener) {
        this.quarantine = quarantine;
        this.store = store;
        this.options = options;
        this.opener = opener;
    }

    /**
     * Creates a scanner, creating both folders when absent.
     *
     * @param quarantine where uploads are written while they are received and scanned; used by this
     *                   scanner only (leftovers in it are deleted by {@link #deleteLeftovers()})
     * @param store      where SAFE uploads are kept, named by their SHA-256; on the same file store
     * @param options    the limits and policies of the scan, and {@link LoadOptions#maxStreamBytes()},
     *                   the largest upload
     * @return the scanner
     * @throws IllegalArgumentException when the two folders are on different file stores (a move
     *                                  between them could not be atomic), or are the same folder
     * @throws IOException              when a folder cannot be created or examined
     */
    public static UploadScanner create(Path quarantine, Path store, LoadOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        Path q = Files.createDirectories(quarantine);
        Path s = Files.createDirectories(store);
        if (Files.isSameFile(q, s)) {
            throw new IllegalArgumentException("the quarantine and the store are the same folder: " + q);
        }
        if (!Files.getFileStore(q).equals(Files.getFileStore(s))) {
            throw new IllegalArgumentException("the quarantine " + q + " and the store " + s + " are on different "
                    + "file stores: a SAFE upload could not be moved atomically into the store");
        }
        return new UploadScanner(q, s, options, Spool.FILES);
    }

    /**
     * What became of an upload.
     *
     * @param report the scan report, named as the caller named the upload
     * @param size   the upload's size in bytes
     * @param sha256 the lowercase hex SHA-256 of its bytes
     * @param stored the file in the store, for a SAFE upload only
     */
    public record Upload(ScanReport report, long size, String sha256, Optional<Path> stored) {
        /** Checks the components. */
        public Upload {
            Objects.requireNonNull(report, "report");
            Objects.requireNonNull(sha256, "sha256");
            Objects.requireNonNull(stored, "stored");
        }

        /** {@return the report's verdict} */
        public ScanReport.Verdict verdict() {
            return report.verdict();
        }
    }

    /**
     * Receives, scans, and keeps or deletes one upload (see the class description).
     *
     * @param upload the upload's bytes, read to their end (not closed)
     * @param name   what the report calls the upload (a client's file name is fine: it never
     *               reaches the disk)
     * @return the report and, for a SAFE upload, where it is stored
     * @throws LimitExceededException   when the upload is longer than {@link LoadOptions#maxStreamBytes()};
     *                                  nothing is kept
     * @throws IOException              what reading the upload or writing, scanning or moving the file
     *                                  threw; nothing is kept
     * @throws IllegalArgumentException when {@code name} is empty or holds a NUL character
     */
    public Upload scan(InputStream upload, String name) throws IOException {
        Objects.requireNonNull(upload, "upload");
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("the name of the upload is empty");
        }
        Path display = Path.of(name);
        Spool.Spooled s = Spool.write(upload, quarantine, PREFIX, options.maxStreamBytes(), display, opener, true);
        boolean moved = false;
        try {
            ScanReport report = MappedFiles.read(s.file(), (file, arena) -> SafeLoader.scan(file, name, options));
            if (report.verdict() != ScanReport.Verdict.SAFE) {
                return new Upload(report, s.size(), s.sha256(), Optional.empty());
            }
            Path target = store.resolve(s.sha256());
            if (!Files.exists(target)) {
                // rename(2): replaces a file of the same bytes moved there meanwhile, atomically.
                Files.move(s.file(), target, StandardCopyOption.ATOMIC_MOVE);
                moved = true;
                forceFolder(store);
            }
            return new Upload(report, s.size(), s.sha256(), Optional.of(target));
        } finally {
            if (!moved) {
                Files.deleteIfExists(s.file());
            }
        }
    }

    /**
     * Deletes the files of uploads a previous run left in quarantine (a crash between receiving and
     * deciding). Call it at start, before any upload is running: it deletes running uploads' files too.
     *
     * @return how many files were deleted
     * @throws IOException when the quarantine cannot be listed or a file cannot be deleted
     */
    public int deleteLeftovers() throws IOException {
        int n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(quarantine, PREFIX + "*.part")) {
            for (Path f : files) {
                n += Files.deleteIfExists(f) ? 1 : 0;
            }
        }
        return n;
    }

    /**
     * Forces the store's folder to the device, so that the rename survives a crash, where folders can
     * be opened (Linux, macOS); where they cannot (Windows), the file system orders it on its own.
     */
    private static void forceFolder(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // best effort: the file is in place and whole either way
        }
    }

    /** {@return the quarantine folder} */
    public Path quarantine() {
        return quarantine;
    }

    /** {@return the store folder} */
    public Path store() {
        return store;
    }
}
