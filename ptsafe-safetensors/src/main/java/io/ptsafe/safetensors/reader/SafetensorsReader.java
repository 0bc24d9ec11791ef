package io.ptsafe.safetensors.reader;

import io.ptsafe.FileFormat;
import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import io.ptsafe.spi.BasicTensorFile;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.MappedFiles;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a mapped safetensors file, checking the reference's rules in the reference's order:
 * <ol>
 *   <li>at least 8 bytes: {@link Reason#HEADER_TOO_SMALL};
 *   <li>header length N (u64 little-endian) at most {@link LoadOptions#maxHeaderBytes()}:
 *       {@link Reason#HEADER_TOO_LARGE}; 8 + N within the file: {@link Reason#INVALID_HEADER_LENGTH};
 *   <li>header strict UTF-8: {@link Reason#INVALID_HEADER}; then the limits of {@link JsonPrescan}
 *       and the shape of {@link HeaderParser}: {@link Reason#INVALID_HEADER_DESERIALIZATION} and
 *       ptsafe's stricter reasons;
 *   <li>offsets, sizes and dtypes: {@link HeaderValidation};
 *   <li>the byte buffer exactly as long as the last tensor's end: {@link Reason#METADATA_INCOMPLETE_BUFFER}.
 * </ol>
 * Tensors are then zero-copy slices of the mapping, listed in header order. A header in the canonical
 * form most files have is read by {@link CanonicalHeader} in one pass, with the same result; any other,
 * and every refusal, by the general path ({@link #general}).
 */
final class SafetensorsReader {
    static final int LENGTH_BYTES = 8;
    private static final ValueLayout.OfLong U64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Bytes 0-7 of a prefix read into an array, as {@link #U64_LE} reads them of the mapping. */
    private static final VarHandle LENGTH = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private SafetensorsReader() {
    }

    /** Reads {@code file}, the whole mapping of {@code path} in {@code arena}, which the result owns. */
    static BasicTensorFile read(Path path, MemorySegment file, Arena arena, LoadOptions options) throws PtsafeException {
        return read(path, file, arena, options, null);
    }

    /**
     * {@link #read(Path, MemorySegment, Arena, LoadOptions)}, the length and header taken from
     * {@code prefix} where it holds them: the file's first bytes, read from it as the mapping was made
     * ({@link MappedFiles#open(FileProbe, int, MappedFiles.ReadingPrefix)}), or null. The same checks, in
     * the same order, of the same bytes; an open that reads no tensor data then never touches the mapping.
     */
    static BasicTensorFile read(Path path, MemorySegment file, Arena arena, LoadOptions options, byte[] prefix)
            throws PtsafeException {
        long n = headerLength(path, file, options, prefix);
        BasicTensorFile canonical = CanonicalHeader.read(path, file, n, arena, options, prefix);
        return canonical != null ? canonical : general(path, file, n, arena, options);
    }

    /** The header length N of bytes 0-7, checked: within {@link LoadOptions#maxHeaderBytes()} and the file. */
    static long headerLength(Path path, MemorySegment file, LoadOptions options) throws PtsafeException {
        return headerLength(path, file, options, null);
    }

    /** {@link #headerLength(Path, MemorySegment, LoadOptions)}, bytes 0-7 read from {@code prefix} when it has them. */
    static long headerLength(Path path, MemorySegment file, LoadOptions options, byte[] prefix) throws PtsafeException {
        long fileSize = file.byteSize();
        if (fileSize < LENGTH_BYTES) {
            throw new PtsafeException(Reason.HEADER_TOO_SMALL, path, "the file has " + fileSize
                    + " bytes, fewer than the 8 of the header length");
        }
        long n = prefix != null && prefix.length >= LENGTH_BYTES ? (long) LENGTH.get(prefix, 0) : file.get(U64_LE, 0);
        if (n < 0) {
            // No setting can admit this: LoadOptions limits are signed longs.
            throw new PtsafeException(Reason.HEADER_TOO_LARGE, path, "header length (bytes 0-7) is "
                    + Long.toUnsignedString(n) + ", over any limit (LoadOptions." + Limit.MAX_HEADER_BYTES.setting()
                    + " is "
                    + options.maxHeaderBytes() + ")");
        }
        Limit.MAX_HEADER_BYTES.check(options, n, path, "header length (bytes 0-7)");
        if (n > fileSize - LENGTH_BYTES) {
            throw new PtsafeException(Reason.INVALID_HEADER_LENGTH, path, "header length (bytes 0-7) is " + n
                    + " but only " + (fileSize - LENGTH_BYTES) + " bytes follow the length");
        }
        return n;
    }

    /**
     * The general path, for every header {@link CanonicalHeader} leaves (and every refusal): the rules
     * after the header length, in the order of the class comment.
     *
     * @param n the header length, checked
     */
    static BasicTensorFile general(Path path, MemorySegment file, long n, Arena arena, LoadOptions options)
            throws PtsafeException {
        long fileSize = file.byteSize();
        MemorySegment headerBytes = file.asSlice(LENGTH_BYTES, n);
        JsonSource source = JsonSource.header(path, headerBytes);
        Utf8Validation.check(headerBytes, path, "header", Reason.INVALID_HEADER);
        JsonPrescan.check(headerBytes, source, options);
        Header header;
        try (JsonReader json = JsonReader.open(headerBytes, source, options)) {
            header = HeaderParser.parse(json, options);
        }
        long dataLength = HeaderValidation.validate(source, header.tensors());
        long dataStart = LENGTH_BYTES + n;
        if (dataLength != fileSize - dataStart) {
            throw new PtsafeException(Reason.METADATA_INCOMPLETE_BUFFER, path, "the tensors end at byte "
                    + dataLength + " of the byte buffer but the buffer has " + (fileSize - dataStart) + " bytes ("
                    + (dataLength < fileSize - dataStart ? "trailing bytes" : "missing bytes") + "; header length "
                    + n + ", file size " + fileSize + ")");
        }
        List<Tensor> tensors = new ArrayList<>(header.tensors().size());
        for (TensorInfo t : header.tensors()) {
            MemorySegment bytes = file.asSlice(dataStart + t.begin(), t.end() - t.begin());
            tensors.add(Tensor.builder(t.name(), t.dtype(), t.shape(), bytes).arena(arena).file(path).build());
        }
        return new BasicTensorFile(path, FileFormat.SAFETENSORS, tensors, header.metadata(), null, arena, List.of());
    }
}
