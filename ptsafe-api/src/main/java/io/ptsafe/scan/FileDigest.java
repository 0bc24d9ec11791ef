package io.ptsafe.scan;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The size and SHA-256 of the bytes a report is about, so that a report names exactly which file
 * it judged (a registry's content address, a CI log compared with a download). Scans do not hash
 * (a scan reads headers, never all the data): the caller that has the bytes attaches a digest with
 * {@link ScanReport#withDigest}, and the JSON report and SARIF log carry it.
 *
 * @param size   the number of bytes
 * @param sha256 their SHA-256, 64 lowercase hexadecimal digits
 */
public record FileDigest(long size, String sha256) {
    private static final int CHUNK = 1 << 20;

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if {@code size} is negative or {@code sha256} is not 64 lowercase hex digits
     * @throws NullPointerException     if {@code sha256} is null
     */
    public FileDigest {
        Objects.requireNonNull(sha256, "sha256");
        if (size < 0) {
            throw new IllegalArgumentException("size is negative: " + size);
        }
        if (!sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not a SHA-256 in lowercase hex: '" + sha256 + "'");
        }
    }

    /**
     * {@return the size and SHA-256 of a file, read once in 1 MiB chunks}
     *
     * @param file the file to hash
     * @throws IOException when the file cannot be read
     */
    public static FileDigest of(Path file) throws IOException {
        MessageDigest md = newSha256();
        long size = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(CHUNK);
            for (int n = ch.read(buf); n >= 0; n = ch.read(buf)) {
                buf.flip();
                size += buf.remaining();
                md.update(buf);
                buf.clear();
            }
        }
        return new FileDigest(size, HexFormat.of().formatHex(md.digest()));
    }

    /**
     * {@return the size and SHA-256 of what {@code in} yields to its end; the stream is not closed}
     *
     * @param in the bytes
     * @throws IOException when reading fails
     */
    public static FileDigest of(InputStream in) throws IOException {
        MessageDigest md = newSha256();
        long size = 0;
        byte[] buf = new byte[64 << 10];
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
            md.update(buf, 0, n);
            size += n;
        }
        return new FileDigest(size, HexFormat.of().formatHex(md.digest()));
    }

    static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
