package io.ptsafe;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Counts the central directory records of a zip without keeping them, so that a zip with millions
 * of tiny entries is refused before commons-compress's {@code ZipFile} builds an object per entry.
 * Walks the records from the end of central directory record (zip64 aware) while their signature
 * holds, as {@code ZipFile} does; never allocates from a length in the file beyond one fixed buffer.
 */
final class ZipCount {
    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CFH = 0x02014b50;
    private static final int EOCD_MIN = 22;
    private static final int MAX_COMMENT = 0xffff;

    private ZipCount() {
    }

    /**
     * What the central directory holds.
     *
     * @param records the records, or -1 when no end record was found
     * @param torch   whether a record is named {@code <root>/data.pkl} (or TorchScript's, torch.package's
     *                marker): torch.save's layout
     */
    record Directory(long records, boolean torch) {
    }

    /** Walks the central directory of {@code zip}. */
    static Directory read(Path zip) throws IOException {
        try (FileChannel ch = FileChannel.open(zip, StandardOpenOption.READ)) {
            long size = ch.size();
            int tail = (int) Math.min(size, EOCD_MIN + MAX_COMMENT);
            ByteBuffer t = read(ch, size - tail, tail);
            int eocd = -1;
            for (int i = tail - EOCD_MIN; i >= 0; i--) {
                if (t.getInt(i) == EOCD) {
                    eocd = i;
                    break;
                }
            }
            if (eocd < 0) {
                return new Directory(-1, false);
            }
            long eocdPos = size - tail + eocd;
            long cdSize = t.getInt(eocd + 12) & 0xffffffffL;
            long cdOffset = t.getInt(eocd + 16) & 0xffffffffL;
            if (eocdPos >= 20) {
                ByteBuffer loc = read(ch, eocdPos - 20, 20);
                if (loc.getInt(0) == ZIP64_LOCATOR) {
                    long z64 = loc.getLong(8);
                    if (z64 >= 0 && z64 + 56 <= size) {
                        ByteBuffer r = read(ch, z64, 56);
                        if (r.getInt(0) == ZIP64_EOCD) {
                            cdSize = r.getLong(40);
                            cdOffset = r.getLong(48);
                        }
                    }
                }
            }
            long start = cdOffset;
            if (start < 0 || start + 4 > size || read(ch, start, 4).getInt(0) != CFH) {
                // data before the zip (a self-extractor): the directory ends where the end record starts
                start = eocdPos - cdSize;
            }
            long n = 0;
            boolean torch = false;
            for (long p = start; p >= 0 && p + 46 <= size; n++) {
                ByteBuffer h = read(ch, p, 46);
                if (h.getInt(0) != CFH) {
                    break;
                }
                int nameLength = h.getShort(28) & 0xffff;
                if (!torch && nameLength > 0) {
                    ByteBuffer name = read(ch, p + 46, nameLength);
                    torch = ArchiveScan.isTorchEntry(new String(name.array(), StandardCharsets.UTF_8));
                }
                p += 46L + nameLength + (h.getShort(30) & 0xffff) + (h.getShort(32) & 0xffff);
            }
            return new Directory(n, torch);
        }
    }

    private static ByteBuffer read(FileChannel ch, long pos, int len) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                break;
            }
        }
        return b.clear();
    }
}
