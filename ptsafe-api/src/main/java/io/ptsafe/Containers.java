package io.ptsafe;

import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.TarHeader;
import java.nio.charset.StandardCharsets;

/**
 * Recognises the containers ptsafe refuses whatever the installed providers: tar (any file whose
 * first block has a valid tar checksum, which is the test torch.load applies before unpickling
 * anything). A file starting with a zip local header is never one: torch tries zip first. numpy
 * {@code .npy} files are read by ptsafe-pickle's provider ({@link MissingProviders} names it when
 * it is absent).
 */
final class Containers {
    private Containers() {
    }

    /** TAR, or null when the file is none. */
    static ContainerKind unloadable(FileProbe probe) {
        if (probe.isDirectory() || probe.startsWith((byte) 'P', (byte) 'K', (byte) 3, (byte) 4)) {
            return null;
        }
        return TarHeader.checksumValid(probe) ? ContainerKind.TAR : null;
    }

    /** The refusal of a file {@link #unloadable} names. */
    static PtsafeException refusal(FileProbe probe, ContainerKind kind) {
        return new PtsafeException(Reason.UNSUPPORTED_FORMAT, probe.path(), "a tar archive (torch's 2017 checkpoint "
                + "format is one: torch.load unpickles its members without weights_only protection, CVE-2025-32434); "
                + "ptsafe does not load tar archives");
    }

    /** A .npy header in a few words, for {@link MissingProviders}' message. */
    static String npyDescription(byte[] h) {
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
