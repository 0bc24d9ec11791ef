package io.ptsafe;

import io.ptsafe.spi.FileProbe;
import java.nio.charset.StandardCharsets;

/**
 * Recognises the containers ptsafe refuses whatever the installed providers: tar (any file whose
 * first block has a valid tar checksum, which is the test torch.load applies before unpickling
 * anything) and numpy {@code .npy}. A file starting with a zip local header is never either: torch
 * tries zip first.
 */
final class Containers {
    private static final int TAR_BLOCK = 512;
    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private Containers() {
    }

    /** TAR, NUMPY, or null when the file is neither. */
    static ContainerKind unloadable(FileProbe probe) {
        if (probe.isDirectory() || probe.startsWith((byte) 'P', (byte) 'K', (byte) 3, (byte) 4)) {
            return null;
        }
        if (probe.startsWith(NPY_MAGIC)) {
            return ContainerKind.NUMPY;
        }
        return isTar(probe.head()) ? ContainerKind.TAR : null;
    }

    /** The refusal of a file {@link #unloadable} names. */
    static PtsafeException refusal(FileProbe probe, ContainerKind kind) {
        String what = kind == ContainerKind.TAR
                ? "a tar archive (torch's 2017 checkpoint format is one: torch.load unpickles its members without "
                        + "weights_only protection, CVE-2025-32434); ptsafe does not load tar archives"
                : "a numpy array file (" + npyDescription(probe.head()) + "); ptsafe loads safetensors and torch "
                        + "checkpoints, not .npy";
        return new PtsafeException(Reason.UNSUPPORTED_FORMAT, probe.path(), what);
    }

    /**
     * Python's tarfile test (torch.load's): a first block that is not all zeros and whose checksum
     * field, read as tarfile's {@code nti} reads it, equals the sum of the block's bytes with that
     * field counted as eight spaces, the bytes summed unsigned or signed. No "ustar" magic is needed.
     */
    static boolean isTar(byte[] h) {
        if (h.length < TAR_BLOCK) {
            return false;
        }
        long unsigned = 8 * ' ';
        long signed = 8 * ' ';
        boolean zeros = true;
        for (int i = 0; i < TAR_BLOCK; i++) {
            zeros &= h[i] == 0;
            if (i < 148 || i >= 156) {
                unsigned += h[i] & 0xff;
                signed += h[i];
            }
        }
        Long field = zeros ? null : checksumField(h);
        return field != null && (field == unsigned || field == signed);
    }

    /**
     * The checksum field (bytes 148 to 155): GNU base-256 when its first byte is 0x80 or 0xff;
     * otherwise ASCII up to the first NUL, stripped as Python strips, parsed as Python's
     * {@code int(text, 8)} parses (a sign, a {@code 0o} prefix, single underscores between digits),
     * empty meaning 0. Null when tarfile would call the header invalid.
     */
    private static Long checksumField(byte[] h) {
        int first = h[148] & 0xff;
        if (first == 0x80 || first == 0xff) {
            long v = 0;
            for (int i = 149; i < 156; i++) {
                v = v << 8 | (h[i] & 0xff);
            }
            return first == 0xff ? v - (1L << 56) : v;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 148; i < 156 && h[i] != 0; i++) {
            if (h[i] < 0) {
                return null;
            }
            sb.append((char) h[i]);
        }
        String s = sb.toString();
        int b = 0;
        int e = s.length();
        while (b < e && pythonSpace(s.charAt(b))) {
            b++;
        }
        while (e > b && pythonSpace(s.charAt(e - 1))) {
            e--;
        }
        return b == e ? Long.valueOf(0) : pythonOctal(s.substring(b, e));
    }

    private static boolean pythonSpace(char c) {
        return c == ' ' || c >= '\t' && c <= '\r' || c >= 0x1c && c <= 0x1f;
    }

    private static Long pythonOctal(String s) {
        int p = s.charAt(0) == '+' || s.charAt(0) == '-' ? 1 : 0;
        boolean negative = s.charAt(0) == '-';
        boolean underscore = false;
        if (s.startsWith("0o", p) || s.startsWith("0O", p)) {
            p += 2;
            underscore = true;
        }
        long v = 0;
        int digits = 0;
        for (; p < s.length(); p++) {
            char c = s.charAt(p);
            if (c == '_' && underscore) {
                underscore = false;
            } else if (c >= '0' && c <= '7') {
                v = v * 8 + (c - '0');
                digits++;
                underscore = true;
            } else {
                return null;
            }
        }
        return digits == 0 || s.endsWith("_") ? null : negative ? -v : v;
    }

    /** "version 1.0, {'descr': '<f4', ...}" from a .npy header, clipped, for messages. */
    private static String npyDescription(byte[] h) {
        if (h.length < 10) {
            return "truncated header";
        }
        int major = h[6] & 0xff;
        int start = major == 1 ? 10 : 12;
        long len = h[8] & 0xff | (h[9] & 0xff) << 8;
        if (major != 1) {
            len = h.length < 12 ? 0 : len | (long) (h[10] & 0xff) << 16 | (long) (h[11] & 0xff) << 24;
        }
        int end = (int) Math.min(h.length, start + Math.min(len, 200));
        StringBuilder sb = new StringBuilder("version " + major + "." + (h[7] & 0xff));
        if (start < end) {
            String dict = new String(h, start, end - start, StandardCharsets.ISO_8859_1).strip();
            sb.append(", ").append(dict.replaceAll("[^\\x20-\\x7e]", "?"));
            if (dict.contains("'|O'") || dict.contains("\"|O\"")) {
                sb.append("; an object array: its elements are a pickle, which np.load(allow_pickle=True) runs");
            }
        }
        return sb.toString();
    }
}
