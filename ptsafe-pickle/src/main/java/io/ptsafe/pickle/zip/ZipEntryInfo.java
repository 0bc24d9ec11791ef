package io.ptsafe.pickle.zip;

/**
 * One validated zip entry: where its data lies in the file and how it is stored.
 *
 * @param name           the full name, as in the central directory
 * @param headerOffset   offset of its local header
 * @param dataOffset     offset of its data (local header + 30 + name + extra)
 * @param compressedSize bytes of data in the file
 * @param size           bytes once inflated (equal to compressedSize when STORED)
 * @param method         0 (STORED) or 8 (DEFLATED)
 * @param crc            CRC-32 from the central directory
 */
record ZipEntryInfo(String name, long headerOffset, long dataOffset, long compressedSize, long size, int method,
        long crc) {
    static final int STORED = 0;
    static final int DEFLATED = 8;

    long dataEnd() {
        return dataOffset + compressedSize;
    }
}
