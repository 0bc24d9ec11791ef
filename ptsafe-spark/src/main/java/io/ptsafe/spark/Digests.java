package io.ptsafe.spark;

import io.ptsafe.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of files and of tensors' bytes, read in bounded chunks. */
final class Digests {
    private static final int CHUNK = 4 << 20;

    private Digests() {
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    static String hex(MessageDigest md) {
        return HexFormat.of().formatHex(md.digest());
    }

    static String file(Path p) throws IOException {
        MessageDigest md = sha256();
        byte[] buf = new byte[64 << 10];
        try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return hex(md);
    }

    /**
     * The hash {@code ptsafe inspect --hash} prints: of {@link Tensor#data()}, the contiguous
     * little-endian row-major bytes.
     */
    static String tensor(Tensor t) {
        MessageDigest md = sha256();
        MemorySegment data = t.data();
        long size = data.byteSize();
        byte[] chunk = new byte[(int) Math.min(CHUNK, size)];
        for (long off = 0; off < size; off += CHUNK) {
            int n = (int) Math.min(CHUNK, size - off);
            MemorySegment.copy(data, ValueLayout.JAVA_BYTE, off, chunk, 0, n);
            md.update(chunk, 0, n);
        }
        return hex(md);
    }
}
