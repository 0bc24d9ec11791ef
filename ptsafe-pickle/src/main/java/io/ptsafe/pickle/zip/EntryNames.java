package io.ptsafe.pickle.zip;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.pickle.machine.Texts;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * Checks the entry names of one central directory, each in a single pass over its bytes: that it is
 * UTF-8 (decoded only when it is not ASCII), its hash in ASCII lower case ({@link ZipArchive#hash},
 * for the duplicate check and the lookups), where its first '/' is, and whether {@link ZipArchive}'s
 * name rules need to look at it at all. One buffer serves every name (at most 65,535 bytes each).
 *
 * <p>An ASCII name needs the rules only when it could break one: empty, starting with '/' or '.',
 * holding a control character, a backslash, "//" or "/.". Any other name (non-ASCII ones too) is
 * looked at by the rules in full, so this only skips work, never a check.
 */
final class EntryNames {
    private byte[] name = new byte[64];
    private int length;
    private long nameAt;
    private int hash;
    private boolean plain;
    private int firstSlash;

    /**
     * Checks the name of {@code n} bytes at {@code at}, refused when it is not UTF-8, and sets
     * {@link #hash()}, {@link #plain()} and {@link #firstSlash()}.
     *
     * @return the name when it is not ASCII, null when it is (its bytes are its chars)
     */
    String read(MemorySegment file, long at, int n, Path path) throws PtsafeException {
        if (n > name.length) {
            name = new byte[Math.max(n, 2 * name.length)];
        }
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, at, name, 0, n);
        length = n;
        nameAt = at;
        byte[] b = name;
        int h = 0;
        boolean ascii = true;
        boolean suspect = n == 0 || b[0] == '/' || b[0] == '.';
        byte previous = 0;
        int slash = -1;
        for (int i = 0; i < n; i++) {
            byte c = b[i];
            if (c < 0) {
                ascii = false;
                break;
            }
            if (c == '/' && slash < 0) {
                slash = i;
            }
            // Letters, digits and most signs skip the tests: what a rule looks at is below '0', '\\' or DEL.
            if (c < '0' && (c < 0x20 || previous == '/' && (c == '/' || c == '.')) || c == '\\' || c == 0x7f) {
                suspect = true;
            }
            h = 31 * h + (c >= 'A' && c <= 'Z' ? c + 32 : c);
            previous = c;
        }
        if (ascii) {
            hash = h;
            plain = !suspect;
            firstSlash = slash;
            return null;
        }
        String s;
        try {
            s = Texts.utf8(Arrays.copyOf(b, n));
        } catch (IllegalArgumentException x) {
            throw new PtsafeException(Reason.ENTRY_OUTSIDE_ROOT, path, "entry name is not UTF-8: "
                    + HexFormat.of().formatHex(b, 0, Math.min(n, 64)));
        }
        hash = ZipArchive.hash(0, s, 0, s.length());
        plain = false;
        // '/' is one byte in UTF-8 and no part of another character's bytes.
        firstSlash = -1;
        for (int i = 0; i < n; i++) {
            if (b[i] == '/') {
                firstSlash = i;
                break;
            }
        }
        return s;
    }

    /** The last name read, from index 0 ({@link #read}'s {@code n} bytes; the array is reused by the next read). */
    byte[] bytes() {
        return name;
    }

    /** The hash of the last name read, in ASCII lower case. */
    int hash() {
        return hash;
    }

    /** Byte offset of the first '/' of the last name read, or -1. */
    int firstSlash() {
        return firstSlash;
    }

    /** Whether the last name read is ASCII and can break none of the name rules. */
    boolean plain() {
        return plain;
    }

    /**
     * Whether the {@code n} bytes at {@code at} are the last name read (at {@link #read}'s {@code at}),
     * compared in the mapping eight bytes at a time: MemorySegment.mismatch, which wraps an array
     * and sets up a bulk comparison, was 2.5% of a 1,000-tensor open for names of about 20 bytes.
     */
    boolean sameAs(MemorySegment file, long at, int n) {
        if (n != length) {
            return false;
        }
        long from = nameAt;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            if (file.get(ValueLayout.JAVA_LONG_UNALIGNED, at + i) != file.get(ValueLayout.JAVA_LONG_UNALIGNED, from + i)) {
                return false;
            }
        }
        for (; i < n; i++) {
            if (file.get(ValueLayout.JAVA_BYTE, at + i) != file.get(ValueLayout.JAVA_BYTE, from + i)) {
                return false;
            }
        }
        return true;
    }
}
