package io.ptsafe.spi;

/**
 * Recognises the 2017 torch format, a tar archive, from its first 512-byte header block.
 *
 * <p>torch.load tries a file as a tar before anything else (unless it starts with a zip header), and
 * Python's tarfile takes the first block as a header when its checksum field matches the block's
 * byte sum, whatever the rest says: no "ustar" magic is needed. A file whose first block passes that
 * test is read by torch as a tar, even when it also starts with the legacy magic number, so ptsafe
 * must refuse it as a tar rather than read it as a legacy stream: the two readings would disagree.
 * Files with the POSIX "ustar" magic at offset 257 are recognised as tars too, for a clear message.
 */
public final class TarHeader {
    /** Size of a tar header block. */
    public static final int BLOCK = 512;
    private static final int CHKSUM_AT = 148;
    private static final int CHKSUM_LEN = 8;
    private static final int MAGIC_AT = 257;

    private TarHeader() {
    }

    /**
     * {@return whether Python's tarfile would accept {@code head}'s first block as a tar header}
     *
     * @param head the file's leading bytes ({@link FileProbe#head()}); fewer than {@link #BLOCK} give false
     */
    public static boolean checksumValid(byte[] head) {
        return checksumValidIn(head);
    }

    /**
     * {@link #checksumValid(byte[])} of a probe's head, read in place (not copied).
     *
     * @param probe the probe of a file
     * @return whether its first block is a tar header by its checksum
     */
    public static boolean checksumValid(FileProbe probe) {
        return checksumValidIn(probe.headBytes());
    }

    private static boolean checksumValidIn(byte[] head) {
        if (head.length < BLOCK || allZero(head)) {
            return false;
        }
        Long field = checksumField(head);
        if (field == null) {
            return false;
        }
        // tarfile accepts the sum with the checksum field read as 8 spaces, bytes unsigned or signed.
        long unsigned = 8 * ' ';
        long signed = 8 * ' ';
        for (int i = 0; i < BLOCK; i++) {
            if (i >= CHKSUM_AT && i < CHKSUM_AT + CHKSUM_LEN) {
                continue;
            }
            unsigned += head[i] & 0xff;
            signed += head[i];
        }
        return field == unsigned || field == signed;
    }

    /**
     * {@return whether the block carries the POSIX magic "ustar" at offset 257 (ustar\0 or GNU's "ustar ")}
     *
     * @param head the file's leading bytes ({@link FileProbe#head()})
     */
    public static boolean hasUstarMagic(byte[] head) {
        if (head.length < MAGIC_AT + 6) {
            return false;
        }
        String m = new String(head, MAGIC_AT, 5, java.nio.charset.StandardCharsets.ISO_8859_1);
        return m.equals("ustar") && (head[MAGIC_AT + 5] == 0 || head[MAGIC_AT + 5] == ' ');
    }

    /**
     * {@return the first member's name (up to 100 bytes, NUL-terminated), for messages} Bytes that
     * are not printable ASCII become {@code ?}.
     *
     * @param head the file's leading bytes ({@link FileProbe#head()})
     */
    public static String firstName(byte[] head) {
        int end = 0;
        while (end < Math.min(100, head.length) && head[end] != 0) {
            end++;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < end; i++) {
            int c = head[i] & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
        }
        return sb.toString();
    }

    private static boolean allZero(byte[] head) {
        for (int i = 0; i < BLOCK; i++) {
            if (head[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The checksum field as tarfile's {@code nti} reads it: base-256 when the first byte is 0x80 or
     * 0xff; otherwise ASCII up to the first NUL, stripped of whitespace, as Python's
     * {@code int(text, 8)} parses it (sign, {@code 0o} prefix and single underscores included), an
     * empty field being 0. Null when tarfile would call the header invalid.
     */
    private static Long checksumField(byte[] head) {
        int first = head[CHKSUM_AT] & 0xff;
        if (first == 0x80 || first == 0xff) {
            long n = 0;
            for (int i = 1; i < CHKSUM_LEN; i++) {
                n = n << 8 | (head[CHKSUM_AT + i] & 0xff);
            }
            return first == 0xff ? n - (1L << 56) : n;
        }
        int end = CHKSUM_AT;
        while (end < CHKSUM_AT + CHKSUM_LEN && head[end] != 0) {
            if (head[end] < 0) {
                return null; // not ASCII: tarfile's strict decode fails
            }
            end++;
        }
        String s = strip(new String(head, CHKSUM_AT, end - CHKSUM_AT, java.nio.charset.StandardCharsets.US_ASCII));
        return s.isEmpty() ? Long.valueOf(0) : pythonOctal(s);
    }

    /** Python's {@code str.strip()} over ASCII: space, \t, \n, \v, \f, \r and \x1c to \x1f. */
    private static String strip(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && isSpace(s.charAt(b))) {
            b++;
        }
        while (e > b && isSpace(s.charAt(e - 1))) {
            e--;
        }
        return s.substring(b, e);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c >= '\t' && c <= '\r' || c >= 0x1c && c <= 0x1f;
    }

    private static Long pythonOctal(String s) {
        int p = 0;
        boolean negative = false;
        if (s.charAt(p) == '+' || s.charAt(p) == '-') {
            negative = s.charAt(p) == '-';
            p++;
        }
        boolean underscoreOk = false;
        if (p + 1 < s.length() && s.charAt(p) == '0' && (s.charAt(p + 1) == 'o' || s.charAt(p + 1) == 'O')) {
            p += 2;
            underscoreOk = true;
        }
        long n = 0;
        int digits = 0;
        for (; p < s.length(); p++) {
            char c = s.charAt(p);
            if (c == '_' && underscoreOk) {
                underscoreOk = false;
                continue;
            }
            if (c < '0' || c > '7') {
                return null;
            }
            n = n * 8 + (c - '0'); // at most 8 characters: no overflow
            digits++;
            underscoreOk = true;
        }
        if (digits == 0 || s.charAt(s.length() - 1) == '_') {
            return null;
        }
        return negative ? -n : n;
    }
}
