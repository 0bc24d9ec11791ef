package io.ptsafe.pickle.zip;

import io.ptsafe.Limit;
import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Finds the central directory from the end record (and its ZIP64 form) in the mapping, and counts
 * its entries without allocating, so that a directory of millions of entries is refused
 * ({@link LoadOptions#maxZipEntries()}) before any zip library builds objects for them. The end
 * record and the ZIP64 end record are the ones torch's zip reader (miniz 2.1.0) takes; where other
 * zip readers would take other ones, or read the same ones differently, the file is refused
 * (docs/differentials/zip.md).
 *
 * @param offset  where the central directory starts
 * @param end     where it ends (the first byte it does not own)
 * @param entries how many entries it holds
 */
record EndOfCentralDirectory(long offset, long end, long entries) {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;

    static EndOfCentralDirectory read(MemorySegment file, Path path, LoadOptions options) throws PtsafeException {
        long size = file.byteSize();
        long eocd = locate(file, size);
        if (eocd < 0) {
            throw invalid(path, "no end of central directory record");
        }
        checkAtEnd(file, path, size, eocd);
        // mz_zip_reader_read_central_dir (miniz_zip.c 2.1.0, lines 646-651): the 32-bit fields.
        long onDisk = u16(file, eocd + 8);
        long entries = u16(file, eocd + 10);
        long disk = u16(file, eocd + 4);
        long cdDisk = u16(file, eocd + 6);
        long cdSize = u32(file, eocd + 12);
        long cdOffset = u32(file, eocd + 16);
        long cdEnd = eocd;
        long z = zip64(file, path, eocd);
        if (z >= 0) {
            // Lines 653-689: with a ZIP64 end record every count, size, offset and disk number is the
            // ZIP64 one, whatever the 32-bit fields say. Python's zipfile (_EndRecData64) overrides them
            // too, but other readers use the 32-bit ones unless saturated: they must agree or be saturated.
            long zOnDisk = file.get(U64, z + 24);
            long zEntries = file.get(U64, z + 32);
            long zDisk = u32(file, z + 16);
            long zCdDisk = u32(file, z + 20);
            long zCdSize = file.get(U64, z + 40);
            long zCdOffset = file.get(U64, z + 48);
            agree(path, "entries on this disk", onDisk, zOnDisk, 0xffff);
            agree(path, "entries", entries, zEntries, 0xffff);
            agree(path, "disk number", disk, zDisk, 0xffff);
            agree(path, "central directory disk", cdDisk, zCdDisk, 0xffff);
            agree(path, "central directory size", cdSize, zCdSize, 0xffffffffL);
            agree(path, "central directory offset", cdOffset, zCdOffset, 0xffffffffL);
            // Line 679: miniz's own limit on the directory's size.
            if (zCdSize < 0 || zCdSize > 0xffffffffL) {
                throw invalid(path, "ZIP64 central directory size " + Long.toUnsignedString(zCdSize)
                        + " is over torch's zip reader's limit of 4 GiB");
            }
            onDisk = zOnDisk;
            entries = zEntries;
            disk = zDisk;
            cdDisk = zCdDisk;
            cdSize = zCdSize;
            cdOffset = zCdOffset;
            cdEnd = z;
        } else if (entries == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
            throw new PtsafeException(Reason.ZIP64_MISMATCH, path,
                    "end record asks for ZIP64 but has no ZIP64 locator");
        }
        // Lines 691-695: miniz refuses entries on other disks, and disk numbers other than 0/0 (or 1/1,
        // which Python's zipfile refuses with a ZIP64 locator): ptsafe takes a single disk 0 only.
        if (disk != 0 || cdDisk != 0 || onDisk != entries) {
            throw new PtsafeException(Reason.MULTI_DISK_ZIP, path, "a multi-disk archive: end record on disk " + disk
                    + ", central directory on disk " + cdDisk + ", " + onDisk + " of " + entries
                    + " entries on this disk (ptsafe reads single-disk archives: disk 0)");
        }
        if (entries < 0 || cdSize < 0 || cdOffset < 0 || cdOffset > size || cdSize > size - cdOffset) {
            throw invalid(path, "central directory (offset " + cdOffset + ", " + cdSize + " bytes) is not inside the file");
        }
        // miniz reads the directory at its absolute offset (line 719); Python's zipfile shifts every
        // offset by the gap between the directory's end and the end record (_RealGetContents, "concat"),
        // so with a gap the two read different bytes.
        if (cdOffset + cdSize != cdEnd) {
            throw invalid(path, "the central directory (offset " + cdOffset + ", " + cdSize + " bytes) ends at "
                    + (cdOffset + cdSize) + ", not at the end record at " + cdEnd
                    + " (zip readers that allow prefixed data would read other offsets)");
        }
        if (entries > options.maxZipEntries()) {
            throw tooMany(path, entries, options);
        }
        long end = cdOffset + cdSize;
        long count = 0;
        long p = cdOffset;
        while (p + 46 <= end && file.get(U32, p) == CENTRAL) {
            if (++count > options.maxZipEntries()) {
                throw tooMany(path, count, options);
            }
            p += 46L + u16(file, p + 28) + u16(file, p + 30) + u16(file, p + 32);
        }
        if (p != end || count != entries) {
            throw invalid(path, "central directory holds " + count + " entries in " + (p - cdOffset)
                    + " bytes; the end record says " + entries + " entries in " + cdSize + " bytes");
        }
        return new EndOfCentralDirectory(cdOffset, end, entries);
    }

    /**
     * The end record torch's reader takes: mz_zip_reader_locate_header_sig (miniz_zip.c 2.1.0, lines
     * 547-591, vendored by torch 1.13 as third_party/miniz-2.1.0/miniz.c) reads the file backwards in
     * 4096-byte blocks that overlap by 3 bytes and takes the first signature met with at least 22 bytes
     * after it; its comment length is never looked at. It stops after the block that starts 65,557
     * bytes or more before the end. Returns the record's offset, or -1.
     */
    static long locate(MemorySegment file, long size) {
        if (size < 22) {
            return -1;
        }
        long block = Math.max(size - 4096, 0);
        while (true) {
            long n = Math.min(4096, size - block);
            for (long i = block + n - 4; i >= block; i--) {
                if (file.get(U32, i) == EOCD && size - i >= 22) {
                    return i;
                }
            }
            if (block == 0 || size - block >= 0xffff + 22) {
                return -1;
            }
            block = Math.max(block - (4096 - 3), 0);
        }
    }

    /**
     * miniz ignores the comment length, Python's zipfile reads the comment it announces, Java's
     * ZipFile skips records whose comment does not reach the end of the file, and a reader that takes
     * the last signature fails on one with fewer than 22 bytes after it: so the record must end the
     * file exactly, with no other end record signature in its comment.
     */
    private static void checkAtEnd(MemorySegment file, Path path, long size, long eocd) throws PtsafeException {
        long comment = u16(file, eocd + 20);
        long recordEnd = eocd + 22 + comment;
        if (recordEnd != size) {
            throw new PtsafeException(Reason.END_RECORD_NOT_AT_END, path, "the end of central directory record at "
                    + eocd + " (the last one, which torch reads) with its " + comment + "-byte comment ends at "
                    + recordEnd + ", the file at " + size + (recordEnd < size ? " (" + (size - recordEnd)
                    + " bytes after it)" : " (the comment runs past the end)"));
        }
        for (long q = eocd + 22; q + 4 <= size; q++) {
            if (file.get(U32, q) == EOCD) {
                throw new PtsafeException(Reason.END_RECORD_NOT_AT_END, path, "the comment of the end record at "
                        + eocd + " holds another end record signature at " + q);
            }
        }
    }

    /**
     * The ZIP64 end record torch's reader uses, or -1 without one. miniz (lines 625-644) looks for a
     * locator right before the end record and follows its offset; Python's zipfile (_EndRecData64)
     * ignores that offset and reads the 56 bytes before the locator. ptsafe takes a ZIP64 end record
     * only where both find it, of the plain 56-byte size, and refuses a locator that leads nowhere
     * (miniz would silently fall back on the 32-bit fields).
     */
    private static long zip64(MemorySegment file, Path path, long eocd) throws PtsafeException {
        long loc = eocd - 20;
        if (loc < 0 || file.get(U32, loc) != ZIP64_LOCATOR) {
            return -1;
        }
        if (eocd < 20 + 56) {
            throw new PtsafeException(Reason.ZIP64_MISMATCH, path, "ZIP64 locator at " + loc
                    + " has no room for a ZIP64 end record before it");
        }
        long z = file.get(U64, loc + 8);
        long zDiskOfRecord = u32(file, loc + 4);
        long disks = u32(file, loc + 16);
        // Line 664: miniz wants exactly one disk; Python's zipfile wants the record on disk 0.
        if (disks != 1 || zDiskOfRecord != 0) {
            throw new PtsafeException(Reason.MULTI_DISK_ZIP, path, "ZIP64 locator at " + loc + " says " + disks
                    + " disks, ZIP64 end record on disk " + zDiskOfRecord);
        }
        if (z != loc - 56) {
            throw new PtsafeException(Reason.ZIP64_MISMATCH, path, "ZIP64 locator at " + loc
                    + " points at offset " + Long.toUnsignedString(z) + ", not at the 56 bytes right before it ("
                    + (loc - 56) + "): torch's reader follows the offset, Python's zipfile does not");
        }
        if (file.get(U32, z) != ZIP64_EOCD) {
            throw new PtsafeException(Reason.ZIP64_MISMATCH, path, "ZIP64 locator points at no ZIP64 end record (offset "
                    + z + ")");
        }
        long recordSize = file.get(U64, z + 4);
        if (recordSize != 44) {
            throw new PtsafeException(Reason.ZIP64_MISMATCH, path, "ZIP64 end record at " + z + " declares "
                    + Long.toUnsignedString(recordSize) + " bytes after its size field (44 without extensible data)");
        }
        return z;
    }

    private static void agree(Path path, String what, long narrow, long wide, long saturated) throws PtsafeException {
        if (narrow != wide && narrow != saturated) {
            throw new PtsafeException(Reason.ZIP64_MISMATCH, path, "the end record's " + what + " is " + narrow
                    + ", the ZIP64 end record's " + Long.toUnsignedString(wide)
                    + " (torch's reader takes the ZIP64 value, others the 32-bit one)");
        }
    }

    private static int u16(MemorySegment f, long at) {
        return f.get(U16, at) & 0xffff;
    }

    private static long u32(MemorySegment f, long at) {
        return f.get(U32, at) & 0xffffffffL;
    }

    private static LimitExceededException tooMany(Path path, long n, LoadOptions options) {
        return Limit.MAX_ZIP_ENTRIES.exceeded(path, "zip entries", n, options.maxZipEntries());
    }

    private static PtsafeException invalid(Path path, String message) {
        return new PtsafeException(Reason.INVALID_ZIP, path, message);
    }
}
