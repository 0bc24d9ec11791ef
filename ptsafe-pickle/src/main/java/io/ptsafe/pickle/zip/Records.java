package io.ptsafe.pickle.zip;

import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The bytes of zip records. A STORED record is a zero-copy slice of the mapping; its CRC-32 is
 * checked as {@link LoadOptions#crcPolicy()} says. SKIP is the default because torch can save
 * without CRCs (it writes 0), and checking would read every page of every tensor when the file is
 * opened, which is what mapping avoids. A DEFLATED record is inflated once into the file's arena and
 * always CRC-checked; the declared size is checked against {@link LoadOptions#maxInflatedBytes()}
 * (all records together) and {@link LoadOptions#maxCompressionRatio()} before anything is allocated,
 * and inflation stops as soon as output would pass the declared size (a zip bomb that lies about its
 * size gets no further).
 */
final class Records {
    /** Largest slice handed to ByteBuffer-based APIs (ByteBuffers stop at 2 GiB). */
    private static final long CHUNK = 1L << 30;

    private final Path path;
    private final MemorySegment file;
    private final Arena arena;
    private final LoadOptions options;
    private long inflated;

    Records(Path path, MemorySegment file, Arena arena, LoadOptions options) {
        this.path = path;
        this.file = file;
        this.arena = arena;
        this.options = options;
    }

    /** The record's bytes (read-only). */
    MemorySegment data(ZipEntryInfo e) throws PtsafeException {
        if (e.method() == ZipEntryInfo.STORED) {
            MemorySegment s = file.asSlice(e.dataOffset(), e.size());
            LoadOptions.CrcPolicy p = options.crcPolicy();
            if (p == LoadOptions.CrcPolicy.REQUIRE || p == LoadOptions.CrcPolicy.CHECK_IF_PRESENT && e.crc() != 0) {
                checkCrc(e, s);
            }
            return s;
        }
        return inflate(e);
    }

    private MemorySegment inflate(ZipEntryInfo e) throws PtsafeException {
        String where = "entry '" + e.name() + "'";
        long declared = e.size();
        long budget = options.maxInflatedBytes() - inflated;
        if (declared > budget) {
            throw Limit.MAX_INFLATED_BYTES.exceeded(path, where + ": inflated bytes (all records)",
                    inflated + declared, options.maxInflatedBytes());
        }
        long cap = e.compressedSize() > Long.MAX_VALUE / options.maxCompressionRatio() ? Long.MAX_VALUE
                : e.compressedSize() * options.maxCompressionRatio();
        if (declared > cap) {
            throw Limit.MAX_COMPRESSION_RATIO.exceeded(path, where + ": " + declared + " bytes from "
                    + e.compressedSize() + " compressed, ratio",
                    e.compressedSize() == 0 ? Long.MAX_VALUE : ceilDiv(declared, e.compressedSize()),
                    options.maxCompressionRatio());
        }
        MemorySegment out = arena.allocate(Math.max(declared, 1), 16).asSlice(0, declared);
        inflated += declared;
        Inflater inf = new Inflater(true);
        try {
            long in = 0;
            long written = 0;
            long compressed = e.compressedSize();
            while (!inf.finished()) {
                if (inf.needsInput()) {
                    if (in >= compressed) {
                        throw bad(where, "the compressed stream ends early");
                    }
                    long n = Math.min(CHUNK, compressed - in);
                    inf.setInput(file.asSlice(e.dataOffset() + in, n).asByteBuffer());
                    in += n;
                }
                if (inf.needsDictionary()) {
                    throw bad(where, "the compressed stream needs a preset dictionary");
                }
                if (written == declared) {
                    // Full: any further output means the entry lied about its size.
                    ByteBuffer probe = ByteBuffer.allocate(1);
                    if (inf.inflate(probe) > 0) {
                        throw new PtsafeException(Reason.ZIP_BOMB, path, where + " inflates past its declared size of "
                                + declared + " bytes");
                    }
                    if (!inf.finished() && !inf.needsInput()) {
                        throw bad(where, "the compressed stream does not end");
                    }
                    continue;
                }
                ByteBuffer window = out.asSlice(written, Math.min(CHUNK, declared - written)).asByteBuffer();
                int produced = inf.inflate(window);
                written += produced;
                if (produced == 0 && !inf.finished() && !inf.needsInput() && !inf.needsDictionary()) {
                    throw bad(where, "the compressed stream makes no progress");
                }
            }
            if (written != declared) {
                throw new PtsafeException(Reason.INVALID_ZIP, path, where + " inflates to " + written
                        + " bytes, its directory entry says " + declared);
            }
        } catch (DataFormatException x) {
            throw bad(where, x.getMessage());
        } finally {
            inf.end();
        }
        checkCrc(e, out);
        return out.asReadOnly();
    }

    private void checkCrc(ZipEntryInfo e, MemorySegment s) throws PtsafeException {
        CRC32 crc = new CRC32();
        for (long p = 0; p < s.byteSize(); p += CHUNK) {
            crc.update(s.asSlice(p, Math.min(CHUNK, s.byteSize() - p)).asByteBuffer());
        }
        if (crc.getValue() != e.crc()) {
            throw new PtsafeException(Reason.CRC_MISMATCH, path, "entry '" + e.name() + "': CRC-32 of its "
                    + s.byteSize() + " bytes is " + String.format("%08x", crc.getValue()) + ", the directory says "
                    + String.format("%08x", e.crc()) + " (LoadOptions.crcPolicy " + options.crcPolicy() + ")");
        }
    }

    private PtsafeException bad(String where, String why) {
        return new PtsafeException(Reason.UNSUPPORTED_COMPRESSION, path, where + ": bad DEFLATE data (" + why + ")");
    }

    private static long ceilDiv(long a, long b) {
        return a / b + (a % b == 0 ? 0 : 1);
    }
}
