package io.ptsafe.internal;

import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;

/**
 * Writes a stream to a new temporary file, owner-only, under {@link LoadOptions#maxStreamBytes()},
 * hashing it as it goes: how {@link io.ptsafe.SafeLoader#scan(InputStream, String, LoadOptions)},
 * {@link io.ptsafe.scan.UploadScanner} and the CLI's {@code ptsafe scan -} get a stream's bytes into
 * a file they can map. On every
 * failure (the stream's own exception, a write error such as a full disk, the limit passed) the file
 * is deleted before the exception leaves; on success the caller owns it and deletes or moves it.
 */
public final class Spool {
    /** Opens the new file for writing; a seam for tests that fail the write path (a full disk). */
    @FunctionalInterface
    public interface Opener {
        /**
         * Opens {@code file}, which exists and is empty, for writing.
         *
         * @param file the temporary file
         * @return a channel the stream is written to
         * @throws IOException when it cannot be opened
         */
        FileChannel open(Path file) throws IOException;
    }

    /** How a stream longer than its limit is refused. */
    @FunctionalInterface
    public interface Refusal {
        /**
         * The refusal.
         *
         * @param read the bytes read when the limit was passed (at most one past it)
         * @return the exception to throw
         */
        io.ptsafe.LimitExceededException refuse(long read);
    }

    /** The file system's own channel. */
    public static final Opener FILES = file -> FileChannel.open(file, StandardOpenOption.WRITE);

    private static final int CHUNK = 64 * 1024;

    /**
     * A stream written whole to a file.
     *
     * @param file   the temporary file, owned by the caller from now on
     * @param size   its size in bytes
     * @param sha256 the SHA-256 of its bytes, lowercase hex
     */
    public record Spooled(Path file, long size, String sha256) {
    }

    private Spool() {
    }

    /**
     * Writes {@code in} to a new owner-only file {@code dir/<prefix><random>.part}.
     *
     * @param in     the stream, read to its end (not closed)
     * @param dir    the folder of the file
     * @param prefix the start of the file's name
     * @param limit  the most bytes taken: a stream longer than this is refused
     * @param name   the name the stream is reported under, for the refusal
     * @param opener opens the file for writing ({@link #FILES})
     * @param force  whether to force the bytes to the device before returning (for a file that is kept)
     * @return the file, its size and SHA-256
     * @throws io.ptsafe.LimitExceededException of {@link Limit#MAX_STREAM_BYTES} as soon as more than
     *         {@code limit} bytes were read; the rest of the stream is not read
     * @throws IOException what reading the stream or writing the file threw
     */
    public static Spooled write(InputStream in, Path dir, String prefix, long limit, Path name, Opener opener,
            boolean force) throws IOException {
        return write(in, dir, prefix, limit, total -> Limit.MAX_STREAM_BYTES.exceeded(name,
                "bytes read from the stream (not read further)", total, limit), opener, force);
    }

    /**
     * {@link #write(InputStream, Path, String, long, Path, Opener, boolean)} with the caller's own
     * refusal of a stream over {@code limit} (the CLI's standard input is an archive member, under
     * {@link Limit#MAX_ARCHIVE_MEMBER_BYTES}).
     *
     * @param in      the stream, read to its end (not closed)
     * @param dir     the folder of the file
     * @param prefix  the start of the file's name
     * @param limit   the most bytes taken: a stream longer than this is refused
     * @param refusal what is thrown as soon as more than {@code limit} bytes were read
     * @param opener  opens the file for writing ({@link #FILES}; also the place to register it for
     *                deletion at exit, before anything is written)
     * @param force   whether to force the bytes to the device before returning (for a file that is kept)
     * @return the file, its size and SHA-256
     * @throws io.ptsafe.LimitExceededException what {@code refusal} gives; the rest of the stream is not read
     * @throws IOException what reading the stream or writing the file threw
     */
    public static Spooled write(InputStream in, Path dir, String prefix, long limit, Refusal refusal, Opener opener,
            boolean force) throws IOException {
        Path file = Files.createTempFile(dir, prefix, ".part", ownerOnly(dir));
        try {
            MessageDigest sha256 = sha256();
            long total = 0;
            try (FileChannel out = opener.open(file)) {
                byte[] buffer = new byte[CHUNK];
                // Never asks for more than one byte past the limit: a stream over it is not read further.
                for (int n; (n = in.read(buffer, 0, (int) Math.min(CHUNK, limit - total + 1))) != -1; ) {
                    total += n;
                    if (total > limit) {
                        throw refusal.refuse(total);
                    }
                    sha256.update(buffer, 0, n);
                    ByteBuffer b = ByteBuffer.wrap(buffer, 0, n);
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                }
                if (force) {
                    out.force(true);
                }
            }
            return new Spooled(file, total, HexFormat.of().formatHex(sha256.digest()));
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** rw------- where the file system has POSIX permissions (elsewhere the temporary file's own default). */
    private static FileAttribute<?>[] ownerOnly(Path dir) {
        if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE))};
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
