package io.ptsafe.pickle.machine;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The bytes of one pickle and where they come from, for error messages.
 *
 * @param bytes      the pickle; the machine reads from offset 0
 * @param file       the file, or null
 * @param entry      the record inside the file ({@code archive/data.pkl}), or a description
 *                   ({@code "pickle 4 of the stream"}), or null
 * @param fileOffset where {@code bytes} begins in the file (added to offsets in messages), or -1 if unknown
 */
public record PickleInput(MemorySegment bytes, Path file, String entry, long fileOffset) {
    public PickleInput {
        Objects.requireNonNull(bytes, "bytes");
    }

    /** An input with no file: for tests and in-memory pickles. */
    public static PickleInput of(MemorySegment bytes) {
        return new PickleInput(bytes, null, null, -1);
    }

    /** "archive/data.pkl, byte 12 (file offset 76)", or "byte 12". */
    public String place(long offset) {
        StringBuilder sb = new StringBuilder();
        if (entry != null) {
            sb.append(entry).append(", ");
        }
        sb.append("byte ").append(offset);
        if (fileOffset >= 0) {
            sb.append(" (file offset ").append(fileOffset + offset).append(')');
        }
        return sb.toString();
    }
}
