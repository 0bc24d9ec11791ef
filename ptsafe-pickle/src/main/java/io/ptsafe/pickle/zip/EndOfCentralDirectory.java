package io.ptsafe.pickle.zip;

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
 * ({@link LoadOptions#maxZipEntries()}) before any zip library builds objects for them.
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
        long eocd = -1;
        for (long p = size - 22; p >= 0 && p >= size - 22 - 0xffff; p--) {
            if (file.get(U32, p) == EOCD && p + 22 + u16(file, p + 20) == size) {
                eocd = p;
                break;
            }
        }
        if (eocd < 0) {
            throw invalid(path, "no end of central directory record");
        }
        long entries = u16(file, eocd + 10);
        long cdSize = u32(file, eocd + 12);
        long cdOffset = u32(file, eocd + 16);
        if (entries == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
            long loc = eocd - 20;
            if (loc < 0 || file.get(U32, loc) != ZIP64_LOCATOR) {
                throw invalid(path, "end record asks for ZIP64 but has no ZIP64 locator");
            }
            long z = file.get(U64, loc + 8);
            if (z < 0 || z > loc - 56 || file.get(U32, z) != ZIP64_EOCD) {
                throw invalid(path, "ZIP64 locator points at no ZIP64 end record (offset " + z + ")");
            }
            entries = file.get(U64, z + 32);
            cdSize = file.get(U64, z + 40);
            cdOffset = file.get(U64, z + 48);
        }
        if (entries < 0 || cdSize < 0 || cdOffset < 0 || cdOffset > size || cdSize > size - cdOffset) {
            throw invalid(path, "central directory (offset " + cdOffset + ", " + cdSize + " bytes) is not inside the file");
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

    private static int u16(MemorySegment f, long at) {
        return f.get(U16, at) & 0xffff;
    }

    private static long u32(MemorySegment f, long at) {
        return f.get(U32, at) & 0xffffffffL;
    }

    private static LimitExceededException tooMany(Path path, long n, LoadOptions options) {
        return new LimitExceededException(Reason.TOO_MANY_ENTRIES, path, "zip entries", "maxZipEntries", n,
                options.maxZipEntries());
    }

    private static PtsafeException invalid(Path path, String message) {
        return new PtsafeException(Reason.INVALID_ZIP, path, message);
    }
}
