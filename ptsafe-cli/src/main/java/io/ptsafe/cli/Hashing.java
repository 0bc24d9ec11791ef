package io.ptsafe.cli;

import io.ptsafe.PtsafeException;
import io.ptsafe.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of a tensor's {@link Tensor#data()}, read in bounded chunks (no copy of the tensor on the heap). */
final class Hashing {
    private static final int CHUNK = 4 << 20;

    private Hashing() {
    }

    static String sha256(Tensor t) throws PtsafeException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        MemorySegment data = t.data();
        long size = data.byteSize();
        byte[] heapChunk = data.isNative() ? null : new byte[(int) Math.min(CHUNK, size)];
        for (long off = 0; off < size; off += CHUNK) {
            int n = (int) Math.min(CHUNK, size - off);
            if (heapChunk == null) {
                MemorySegment slice = data.asSlice(off, n);
                md.update(slice.asByteBuffer());
                if (slice.isMapped()) {
                    slice.unload(); // read once: keep resident memory flat on large files
                }
            } else {
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, off, heapChunk, 0, n);
                md.update(heapChunk, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
