package io.ptsafe.pickle.zip;

import java.util.Arrays;

/**
 * What {@link ZipArchive}'s layout rules and lookups ask of each entry name, noted from the copy of the
 * name {@link EntryNames} reads: whether the name rules can be skipped ({@link EntryNames#plain()}),
 * whether it holds a '/', whether it is a folder (ends with '/'), whether its top folder is the first
 * entry's (as bytes: UTF-8 keeps the identity of characters, and '/' is one byte), and what it is under, relative to its top folder: {@code data/N}
 * (N spelled as Python's {@code str} spells an int: torch's storage keys), {@code code/} or
 * {@code .data/}, ASCII case ignored. Noting only: every rule is applied by {@link ZipArchive}, in its
 * order. Reading the names a second time in the mapping, a byte a read (two for the top folder), was a
 * quarter of the CPU samples of reading a 20,000-entry directory (JFR of ZipArchive.read alone).
 */
final class EntryShapes {
    /** {@link #under}: none of the folders below. */
    static final int NONE = -1;
    /** {@link #under}: under {@code code/}. */
    static final int CODE = -2;
    /** {@link #under}: under {@code .data/}. */
    static final int DOT_DATA = -3;

    private static final int FOLDER = 1;
    private static final int IN_FIRST_TOP = 2;
    private static final int PLAIN = 4;
    private static final int HAS_SLASH = 8;

    /** Per entry: {@link #FOLDER}, {@link #IN_FIRST_TOP}, {@link #PLAIN}, {@link #HAS_SLASH}; one byte, not four arrays. */
    private final byte[] bits;
    private final int[] under;
    /** The first entry's top folder (its bytes before its first '/', or the whole name). */
    private byte[] firstTop;

    EntryShapes(int entries) {
        bits = new byte[entries];
        under = new int[entries];
    }

    /**
     * Notes entry {@code i}, the name of {@code n} bytes at {@code at} in {@code b}, whose first '/' is
     * at byte {@code slash} (-1 for none), and which {@link EntryNames} found {@code plain}. Entry 0 comes first.
     */
    void note(int i, byte[] b, int at, int n, int slash, boolean plain) {
        int top = slash < 0 ? n : slash;
        boolean inFirst;
        if (i == 0) {
            firstTop = Arrays.copyOfRange(b, at, at + top);
            inFirst = true;
        } else {
            inFirst = top == firstTop.length && Arrays.equals(b, at, at + top, firstTop, 0, top);
        }
        bits[i] = (byte) ((n > 0 && b[at + n - 1] == '/' ? FOLDER : 0) | (inFirst ? IN_FIRST_TOP : 0)
                | (plain ? PLAIN : 0) | (slash >= 0 ? HAS_SLASH : 0));
        int u = NONE;
        int rel = slash + 1;
        if (slash >= 0 && rel < n) {
            char lead = lower(b[at + rel]);
            if (lead == 'd' && starts(b, at + rel, at + n, "data/")) {
                u = number(b, at + rel + 5, at + n);
            } else if (lead == 'c' && starts(b, at + rel, at + n, "code/")) {
                u = CODE;
            } else if (lead == '.' && starts(b, at + rel, at + n, ".data/")) {
                u = DOT_DATA;
            }
        }
        under[i] = u;
    }

    /** Whether the name of entry {@code i} ends with '/'. */
    boolean folder(int i) {
        return (bits[i] & FOLDER) != 0;
    }

    /** Whether the name of entry {@code i} is ASCII and can break none of the name rules ({@link EntryNames#plain()}). */
    boolean plain(int i) {
        return (bits[i] & PLAIN) != 0;
    }

    /** Whether the name of entry {@code i} holds a '/'. */
    boolean hasSlash(int i) {
        return (bits[i] & HAS_SLASH) != 0;
    }

    /** Whether the top folder of entry {@code i} (the bytes before its first '/', or the whole name) is the first entry's. */
    boolean inFirstTop(int i) {
        return (bits[i] & IN_FIRST_TOP) != 0;
    }

    /**
     * N for a name {@code <top>/data/N}; {@link #NONE} (also for {@code data/} followed by anything
     * not spelling a number as Python's {@code str} does), {@link #CODE} or {@link #DOT_DATA} otherwise.
     */
    int under(int i) {
        return under[i];
    }

    private static char lower(byte c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : (char) (c & 0xff);
    }

    /** Whether {@code b[from, end)} starts with the lower-case ASCII {@code part}, ignoring ASCII case. */
    private static boolean starts(byte[] b, int from, int end, String part) {
        if (end - from < part.length()) {
            return false;
        }
        for (int i = 0; i < part.length(); i++) {
            if (lower(b[from + i]) != part.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** The number {@code b[from, end)} spells as Python's {@code str} of an int would (digits, no leading zero, at most 9), or {@link #NONE}. */
    private static int number(byte[] b, int from, int end) {
        int len = end - from;
        if (len == 0 || len > 9 || len > 1 && b[from] == '0') {
            return NONE;
        }
        int v = 0;
        for (int i = from; i < end; i++) {
            byte c = b[i];
            if (c < '0' || c > '9') {
                return NONE;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
