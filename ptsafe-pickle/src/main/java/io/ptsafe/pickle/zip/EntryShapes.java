package io.ptsafe.pickle.zip;

import java.util.Arrays;

/**
 * What {@link ZipArchive}'s layout rules and lookups ask of each entry name, noted while the name is
 * in the heap copy of the directory ({@link CentralEntry#buffer()}): whether it is a folder (ends with
 * '/'), whether its top folder is the first entry's (as bytes: UTF-8 keeps the identity of
 * characters, and '/' is one byte), and what it is under, relative to its top folder: {@code data/N}
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

    private final boolean[] folder;
    private final boolean[] inFirstTop;
    private final int[] under;
    /** The first entry's top folder (its bytes before its first '/', or the whole name). */
    private byte[] firstTop;

    EntryShapes(int entries) {
        folder = new boolean[entries];
        inFirstTop = new boolean[entries];
        under = new int[entries];
    }

    /**
     * Notes entry {@code i}, the name of {@code n} bytes at {@code at} in {@code b}, whose first '/' is
     * at byte {@code slash} (-1 for none). Entry 0 comes first.
     */
    void note(int i, byte[] b, int at, int n, int slash) {
        folder[i] = n > 0 && b[at + n - 1] == '/';
        int top = slash < 0 ? n : slash;
        if (i == 0) {
            firstTop = Arrays.copyOfRange(b, at, at + top);
            inFirstTop[i] = true;
        } else {
            inFirstTop[i] = top == firstTop.length && Arrays.equals(b, at, at + top, firstTop, 0, top);
        }
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
        return folder[i];
    }

    /** Whether the top folder of entry {@code i} (the bytes before its first '/', or the whole name) is the first entry's. */
    boolean inFirstTop(int i) {
        return inFirstTop[i];
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
