package io.ptsafe.pickle.zip;

import io.ptsafe.pickle.machine.Texts;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * One validated zip entry: where its data lies in the file and how it is stored.
 *
 * <p>An ASCII name stays in the mapping until {@link #name()} is asked for it (a message, a scan
 * finding, data.pkl's place): opening a checkpoint finds its records by name without ever spelling
 * one, and a String per entry was the largest single cost of reading the directory.
 */
final class ZipEntryInfo {
    static final int STORED = 0;
    static final int DEFLATED = 8;

    private final MemorySegment file;
    private final long nameAt;
    private final int nameLength;
    private final boolean ascii;
    private String name;
    private final long headerOffset;
    private final long dataOffset;
    private final long compressedSize;
    private final long size;
    private final int method;
    private final long crc;

    /**
     * @param file           the mapping the name is in
     * @param nameAt         where the name's bytes are (valid UTF-8, checked)
     * @param nameLength     how many bytes the name has
     * @param decoded        the name when it is not ASCII (decoded when it was checked), null otherwise
     * @param headerOffset   offset of its local header
     * @param dataOffset     offset of its data (local header + 30 + name + extra)
     * @param compressedSize bytes of data in the file
     * @param size           bytes once inflated (equal to compressedSize when STORED)
     * @param method         0 (STORED) or 8 (DEFLATED)
     * @param crc            CRC-32 from the central directory
     */
    ZipEntryInfo(MemorySegment file, long nameAt, int nameLength, String decoded, long headerOffset, long dataOffset,
            long compressedSize, long size, int method, long crc) {
        this.file = file;
        this.nameAt = nameAt;
        this.nameLength = nameLength;
        this.ascii = decoded == null;
        this.name = decoded;
        this.headerOffset = headerOffset;
        this.dataOffset = dataOffset;
        this.compressedSize = compressedSize;
        this.size = size;
        this.method = method;
        this.crc = crc;
    }

    /** The full name, as in the central directory. */
    String name() {
        if (name == null) {
            name = text(file, nameAt, nameLength);
        }
        return name;
    }

    /** The {@code n} bytes at {@code at}, known to be valid UTF-8, as text. */
    static String text(MemorySegment file, long at, int n) {
        byte[] b = new byte[n];
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, at, b, 0, n);
        for (byte x : b) {
            if (x < 0) {
                return Texts.utf8(b);
            }
        }
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Whether the name is ASCII, so that its bytes are its chars. */
    boolean ascii() {
        return ascii;
    }

    /** Where the name's bytes are in the file. */
    long nameAt() {
        return nameAt;
    }

    /** How many bytes the name has. */
    int nameLength() {
        return nameLength;
    }

    /** Byte {@code i} of the name. */
    byte nameByte(int i) {
        return file.get(ValueLayout.JAVA_BYTE, nameAt + i);
    }

    /** Offset of its local header. */
    long headerOffset() {
        return headerOffset;
    }

    /** Offset of its data (local header + 30 + name + extra). */
    long dataOffset() {
        return dataOffset;
    }

    /** Bytes of data in the file. */
    long compressedSize() {
        return compressedSize;
    }

    /** Bytes once inflated (equal to compressedSize when STORED). */
    long size() {
        return size;
    }

    /** 0 (STORED) or 8 (DEFLATED). */
    int method() {
        return method;
    }

    /** CRC-32 from the central directory. */
    long crc() {
        return crc;
    }

    long dataEnd() {
        return dataOffset + compressedSize;
    }
}
