package io.ptsafe.pickle.zip;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * The central directory record being read, straight from the mapping (APPNOTE 4.3.12), with its ZIP64
 * extra field (4.5.3) where a size or offset is 0xFFFFFFFF. Only the fields ptsafe uses are read; the
 * checks against the local header and the rest of the file are {@link ZipArchive}'s.
 *
 * <p>Read here rather than through a zip library: commons-compress built a date, extra-field objects
 * and, for the zero DOS time every torch record carries, BigInteger arithmetic per entry, which was
 * half the time of opening a 1,000-tensor checkpoint (ptsafe-bench OpenTorchBench).
 *
 * <p>One instance is a cursor that {@link #read} refills for each record, and the name stays in the
 * mapping ({@link #nameOffset()}): {@link ZipArchive} keeps only what it validates into a
 * {@link ZipEntryInfo}, so a record costs no object and no copy of its name of its own (a record and a
 * name array per entry were 3% of a 1,000-tensor open, JFR).
 */
final class CentralEntry {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int CENTRAL = 0x02014b50;
    private static final int ZIP64_EXTRA = 0x0001;
    private static final long MAX32 = 0xffffffffL;

    private int flags;
    private int method;
    private long crc;
    private long compressedSize;
    private long size;
    private long localHeaderOffset;
    private long nameOffset;
    private int nameLength;
    private long rawCompressed;
    private long rawSize;
    private int diskStart;
    private long next;

    /** General purpose bit flags. */
    int flags() {
        return flags;
    }

    /** Compression method. */
    int method() {
        return method;
    }

    /** CRC-32 as written. */
    long crc() {
        return crc;
    }

    /** Compressed size, from the ZIP64 extra field when the 32-bit one is 0xFFFFFFFF. */
    long compressedSize() {
        return compressedSize;
    }

    /** Uncompressed size, likewise. */
    long size() {
        return size;
    }

    /** Offset of the local header, likewise. */
    long localHeaderOffset() {
        return localHeaderOffset;
    }

    /** Where the name's bytes are in the file. */
    long nameOffset() {
        return nameOffset;
    }

    /** How many bytes the name has. */
    int nameLength() {
        return nameLength;
    }

    /** The 32-bit compressed size as written (0xFFFFFFFF when in the ZIP64 extra field). */
    long rawCompressed() {
        return rawCompressed;
    }

    /** The 32-bit size as written, likewise. */
    long rawSize() {
        return rawSize;
    }

    /** The disk its local header is on. */
    int diskStart() {
        return diskStart;
    }

    /** Offset of the record after this one. */
    long next() {
        return next;
    }

    /** Reads the record at {@code p}, which must lie wholly before {@code end} (the end of the directory). */
    void read(MemorySegment file, long p, long end, Path path) throws PtsafeException {
        if (p > end - 46 || file.get(U32, p) != CENTRAL) {
            throw invalid(path, "no central directory record at offset " + p);
        }
        int n = u16(file, p + 28);
        int m = u16(file, p + 30);
        int k = u16(file, p + 32);
        long after = p + 46 + n + m + k;
        if (after > end) {
            throw invalid(path, "central directory record at offset " + p + " runs past the directory's end " + end);
        }
        long rawSize = u32(file, p + 24);
        long rawCompressed = u32(file, p + 20);
        long size = rawSize;
        long compressed = rawCompressed;
        long offset = u32(file, p + 42);
        int zip64Fields = m == 0 ? 0 : zip64Fields(file, p + 46 + n, m, p, path);
        // mz_zip_file_stat_internal (miniz_zip.c 2.1.0, lines 1213-1282) reads the first ZIP64 extra
        // field only when a value is 0xFFFFFFFF, in the order uncompressed size, compressed size, offset.
        if (size == MAX32 || compressed == MAX32 || offset == MAX32) {
            long[] v = zip64(file, p + 46 + n, m, size == MAX32, compressed == MAX32, offset == MAX32, p, path);
            size = size == MAX32 ? v[0] : size;
            compressed = compressed == MAX32 ? v[1] : compressed;
            offset = offset == MAX32 ? v[2] : offset;
        }
        if (zip64Fields > 1) {
            throw new PtsafeException(Reason.ZIP64_MISMATCH, path, "central directory record at offset " + p + " has "
                    + zip64Fields + " ZIP64 extra fields (readers may take either)");
        }
        this.flags = u16(file, p + 8);
        this.method = u16(file, p + 10);
        this.crc = u32(file, p + 16);
        this.compressedSize = compressed;
        this.size = size;
        this.localHeaderOffset = offset;
        this.nameOffset = p + 46;
        this.nameLength = n;
        this.rawCompressed = rawCompressed;
        this.rawSize = rawSize;
        this.diskStart = u16(file, p + 34);
        this.next = after;
    }

    /**
     * Walks the whole extra field and counts its ZIP64 fields. Every field header must fit and the
     * fields must fill the extra field exactly: miniz refuses a broken one when it looks for a ZIP64
     * field (lines 1229-1236), Python's zipfile always (_decodeExtra, "Corrupt extra field").
     */
    private static int zip64Fields(MemorySegment file, long extra, int length, long record, Path path)
            throws PtsafeException {
        int count = 0;
        long q = extra;
        long end = extra + length;
        while (q < end) {
            if (q + 4 > end || q + 4 + u16(file, q + 2) > end) {
                throw invalid(path, "central directory record at offset " + record + ": extra field at offset " + q
                        + " runs past the record's extra data (" + length + " bytes)");
            }
            if (u16(file, q) == ZIP64_EXTRA) {
                count++;
            }
            q += 4 + u16(file, q + 2);
        }
        return count;
    }

    /**
     * The 8-byte values of the ZIP64 extra field, in the order the format fixes (size, compressed
     * size, local header offset), present only for the fields whose 32-bit value is 0xFFFFFFFF.
     * Returns {size, compressed, offset}, -1 where absent.
     */
    private static long[] zip64(MemorySegment file, long extra, int length, boolean wantSize, boolean wantCompressed,
            boolean wantOffset, long record, Path path) throws PtsafeException {
        long[] out = {-1, -1, -1};
        long q = extra;
        long end = extra + length;
        while (q + 4 <= end) {
            int id = u16(file, q);
            int len = u16(file, q + 2);
            if (id == ZIP64_EXTRA) {
                long r = q + 4;
                boolean[] want = {wantSize, wantCompressed, wantOffset};
                for (int i = 0; i < 3; i++) {
                    if (!want[i]) {
                        continue;
                    }
                    if (r + 8 > q + 4 + len) {
                        throw invalid(path, "central directory record at offset " + record
                                + ": its ZIP64 extra field is too short for the values it must hold");
                    }
                    out[i] = file.get(U64, r);
                    if (out[i] < 0) {
                        throw invalid(path, "central directory record at offset " + record
                                + ": ZIP64 value " + Long.toUnsignedString(out[i]) + " is out of range");
                    }
                    r += 8;
                }
                return out;
            }
            q += 4 + len;
        }
        throw invalid(path, "central directory record at offset " + record
                + " has a 0xFFFFFFFF size or offset but no ZIP64 extra field");
    }

    private static int u16(MemorySegment f, long at) {
        return f.get(U16, at) & 0xffff;
    }

    private static long u32(MemorySegment f, long at) {
        return f.get(U32, at) & MAX32;
    }

    private static PtsafeException invalid(Path path, String message) {
        return new PtsafeException(Reason.INVALID_ZIP, path, message);
    }
}
