package io.ptsafe.fuzz;

import java.nio.charset.StandardCharsets;

/**
 * A differential oracle for zips ptsafe accepted: the data.pkl ptsafe decodes must be the one
 * torch's miniz finds (issue 14).
 *
 * <p>miniz 2.x {@code mz_zip_reader_locate_header_sig} (miniz.c, as torch builds it in
 * third_party/miniz-2.1.0) takes the last end-of-central-directory signature with at least 22 bytes
 * after it, scanning back 4 KB windows from the end; {@code caffe2/serialize/inline_container.cc}
 * {@code PyTorchStreamReader::init} names the archive after the first central directory entry's
 * folder and {@code getRecordID} finds {@code <folder>/data.pkl}; miniz reads its data after the
 * local header's name and extra field. The oracle follows that path over the input's bytes and
 * asserts it lands where ptsafe's data.pkl begins. Inputs it cannot follow cheaply (over 64 KB,
 * ZIP64 fields, several entries of that name or none, records outside the input) are not checked: the
 * zip reader's own tests hold those.
 */
final class ZipOracle {
    private static final int EOCD = 0x06054b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    // names are compared as bytes (ISO-8859-1 maps each byte to one char)

    private ZipOracle() {
    }

    /** Throws AssertionError unless miniz's path to data.pkl leads to {@code dataPklOffset} in {@code b}. */
    static void check(byte[] b, long dataPklOffset) {
        int size = b.length;
        if (size > 0xffff + 22) {
            return;
        }
        int m = -1;
        for (int p = size - 22; p >= 0; p--) {
            if (u32(b, p) == EOCD) {
                m = p;
                break;
            }
        }
        if (m < 0) {
            throw new AssertionError("ptsafe accepted a zip in which miniz finds no end record");
        }
        long entries = u16(b, m + 10);
        long cdSize = u32(b, m + 12);
        long cdOffset = u32(b, m + 16);
        if (entries == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
            return;
        }
        String root = null;
        long found = -1;
        int matches = 0;
        long p = cdOffset;
        for (long i = 0; i < entries; i++) {
            if (p + 46 > size || u32(b, (int) p) != CENTRAL) {
                return;
            }
            int nameLen = u16(b, (int) p + 28);
            if (p + 46 + nameLen > size) {
                return;
            }
            String name = new String(b, (int) p + 46, nameLen, StandardCharsets.ISO_8859_1);
            if (root == null) {
                int slash = name.indexOf('/');
                root = slash < 0 ? name : name.substring(0, slash);
            }
            if (sameIgnoringAsciiCase(name, root + "/data.pkl")) {
                matches++;
                found = u32(b, (int) p + 42);
            }
            p += 46L + nameLen + u16(b, (int) p + 30) + u16(b, (int) p + 32);
        }
        if (matches != 1 || found == 0xffffffffL || found + 30 > size || u32(b, (int) found) != LOCAL) {
            return;
        }
        long data = found + 30 + u16(b, (int) found + 26) + u16(b, (int) found + 28);
        if (data != dataPklOffset) {
            throw new AssertionError("ptsafe decoded data.pkl at byte " + dataPklOffset + "; miniz's end record (byte "
                    + m + ") leads to " + root + "/data.pkl at byte " + data);
        }
    }

    /** mz_zip_reader_locate_file without MZ_ZIP_FLAG_CASE_SENSITIVE compares bytes through MZ_TOLOWER (ASCII). */
    private static boolean sameIgnoringAsciiCase(String a, String b) {
        if (a.length() != b.length()) {
            return false;
        }
        for (int i = 0; i < a.length(); i++) {
            if (lower(a.charAt(i)) != lower(b.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    private static long u32(byte[] b, int at) {
        return (u16(b, at) | (long) u16(b, at + 2) << 16) & 0xffffffffL;
    }
}
