package io.ptsafe.pickle.npy;

import io.ptsafe.DType;
import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.pickle.torch.NumpyDType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The header of a {@code .npy} array, read as numpy 1.24's {@code read_array} reads it
 * (numpy/lib/format.py): the magic {@code \x93NUMPY} and a version byte pair (lines 223-240),
 * versions (1,0), (2,0) and (3,0) only ({@code _check_version}, line 196), a little-endian header
 * length of 2 bytes for 1.0 and 4 for 2.0 and 3.0, the header decoded as latin-1 or, for 3.0, UTF-8
 * ({@code _header_size_info}, line 185), no longer than numpy's {@code _MAX_HEADER_SIZE} of 10000
 * characters (line 609, what {@code np.load} enforces unless {@code allow_pickle=True}), then
 * {@link HeaderGrammar}. The data follows the header directly.
 *
 * @param major      1, 2 or 3
 * @param descr      the dtype string as written, e.g. {@code <f4}
 * @param dtype      ptsafe's dtype; null for an object array
 * @param order      the byte order of the data
 * @param fortran    whether the data is in Fortran (column-major) order
 * @param shape      the dimensions
 * @param dataOffset where the data starts, after the header
 * @param byteCount  the data's bytes: elements times item size (for an object array, 0: its data is
 *                   a pickle of unknown length)
 */
public record NpyHeader(int major, String descr, DType dtype, ByteOrder order, boolean fortran, long[] shape,
        long dataOffset, long byteCount) {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** numpy's {@code _MAX_HEADER_SIZE} (format.py line 194), in decoded characters. */
    static final int NUMPY_MAX_HEADER_CHARS = 10000;

    /** {@return whether the array holds Python objects (dtype {@code |O}): its data is a pickle} */
    public boolean objectArray() {
        return dtype == null;
    }

    /** {@return a copy of the shape} */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * {@return whether {@code bytes} start with numpy's magic string} Only the magic decides, as numpy's
     * {@code NpzFile.__getitem__} decides for a member (npyio.py line 253), never a name.
     *
     * @param bytes the file or zip member
     */
    public static boolean hasMagic(MemorySegment bytes) {
        if (bytes.byteSize() < MAGIC.length) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes.get(ValueLayout.JAVA_BYTE, i) != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads and checks the header; the data's extent is checked by {@link NpyArray}.
     *
     * @param bytes   the whole .npy (a file, or a zip member)
     * @param path    the file, for messages
     * @param where   the place, e.g. "the file" or "member 'a.npy'"
     * @param options {@link LoadOptions#maxHeaderBytes()} and {@link LoadOptions#maxRank()} apply
     * @return the header
     * @throws PtsafeException when numpy would refuse it, or ptsafe reads no such array
     */
    public static NpyHeader read(MemorySegment bytes, Path path, String where, LoadOptions options)
            throws PtsafeException {
        long size = bytes.byteSize();
        if (!hasMagic(bytes)) {
            throw new PtsafeException(Reason.UNSUPPORTED_FORMAT, path, where + ": no numpy magic string \\x93NUMPY");
        }
        if (size < 8) {
            throw new PtsafeException(Reason.HEADER_TOO_SMALL, path, where + ": " + size
                    + " bytes end inside the magic string and version");
        }
        int major = bytes.get(ValueLayout.JAVA_BYTE, 6) & 0xff;
        int minor = bytes.get(ValueLayout.JAVA_BYTE, 7) & 0xff;
        if (major < 1 || major > 3 || minor != 0) {
            throw new PtsafeException(Reason.UNSUPPORTED_FORMAT, path, where + ": .npy format version " + major + "."
                    + minor + "; numpy reads 1.0, 2.0 and 3.0 only (format.py _check_version)");
        }
        int lengthBytes = major == 1 ? 2 : 4;
        if (size < 8 + lengthBytes) {
            throw new PtsafeException(Reason.HEADER_TOO_SMALL, path, where + ": " + size
                    + " bytes end inside the header length field of version " + major + ".0");
        }
        long length = 0;
        for (int i = lengthBytes - 1; i >= 0; i--) {
            length = length << 8 | (bytes.get(ValueLayout.JAVA_BYTE, 8 + i) & 0xff);
        }
        long start = 8 + lengthBytes;
        if (length > options.maxHeaderBytes()) {
            throw Limit.MAX_HEADER_BYTES.exceeded(path, where + ": .npy header length at byte 8", length,
                    options.maxHeaderBytes());
        }
        if (length > size - start) {
            throw new PtsafeException(Reason.INVALID_HEADER_LENGTH, path, where + ": header length " + length
                    + " at byte 8 runs past the end (" + (size - start) + " bytes follow the length field)");
        }
        // Latin-1 is one byte a character, UTF-8 at most four: a longer header is over numpy's cap
        // whatever it holds, and is refused before it is copied.
        if (length > (major == 3 ? 4L : 1L) * NUMPY_MAX_HEADER_CHARS) {
            throw new PtsafeException(Reason.HEADER_TOO_LARGE, path, where + ": header of " + length + " bytes at byte "
                    + start + "; np.load refuses more than " + NUMPY_MAX_HEADER_CHARS + " characters unless "
                    + "allow_pickle=True (format.py _MAX_HEADER_SIZE)");
        }
        byte[] raw = bytes.asSlice(start, length).toArray(ValueLayout.JAVA_BYTE);
        String text = decode(raw, major == 3, path, where);
        if (text.length() > NUMPY_MAX_HEADER_CHARS) {
            throw new PtsafeException(Reason.HEADER_TOO_LARGE, path, where + ": header of " + text.length()
                    + " characters; np.load refuses more than " + NUMPY_MAX_HEADER_CHARS + " unless allow_pickle=True "
                    + "(format.py _MAX_HEADER_SIZE)");
        }
        String at = where + ": header at byte " + start;
        HeaderGrammar.Fields f = HeaderGrammar.parse(text, major < 3, path, at);
        long[] shape = f.shape();
        if (shape.length > options.maxRank()) {
            throw Limit.MAX_RANK.exceeded(path, at + ": shape " + Arrays.toString(shape), shape.length,
                    options.maxRank());
        }
        Descr d = descr(f.descr(), path, at);
        long count = 1;
        for (long n : shape) {
            count = multiply(count, n, shape, path, at);
        }
        long byteCount = d.dtype == null ? 0 : multiply(count, d.dtype.byteSize(), shape, path, at);
        return new NpyHeader(major, f.descr(), d.dtype, d.order, f.fortran(), shape, start + length, byteCount);
    }

    private static long multiply(long a, long b, long[] shape, Path path, String at) throws PtsafeException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new PtsafeException(Reason.VALIDATION_OVERFLOW, path, at + ": shape " + Arrays.toString(shape)
                    + ": its element or byte count overflows 64 bits (numpy's int64 product would wrap)");
        }
    }

    private static String decode(byte[] raw, boolean utf8, Path path, String where) throws PtsafeException {
        if (!utf8) {
            return new String(raw, StandardCharsets.ISO_8859_1);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new PtsafeException(Reason.INVALID_HEADER, path, where + ": the version 3.0 header is not UTF-8 ("
                    + e.getMessage() + "), which numpy refuses to decode");
        }
    }

    private record Descr(DType dtype, ByteOrder order) {
    }

    /**
     * A dtype string as numpy's {@code dtype.str} writes it: a byte order ({@code <}, {@code >}, or
     * {@code |} for one-byte types) and a kind and item size that {@link NumpyDType#numeric} knows.
     * {@code |O} (and {@code <O}, {@code >O}) is an object array. Other spellings numpy would also
     * accept ({@code float32}, {@code =f4} or {@code f4} in the reader's native order) are refused.
     */
    private static Descr descr(String s, Path path, String at) throws PtsafeException {
        String shown = s.length() <= 40 ? s : s.substring(0, 40) + "...";
        if (s.isEmpty() || "<>|".indexOf(s.charAt(0)) < 0) {
            throw new PtsafeException(Reason.UNKNOWN_DTYPE, path, at + ": descr '" + shown + "' does not start with "
                    + "'<', '>' or '|', as numpy's dtype.str does (a native-order or named dtype depends on the reader)");
        }
        String code = s.substring(1);
        if (code.equals("O") || code.equals("O8")) {
            return new Descr(null, null);
        }
        DType dtype = NumpyDType.numeric(code);
        if (dtype == null) {
            throw new PtsafeException(NumpyDType.kind(code).startsWith("an unknown") ? Reason.UNKNOWN_DTYPE
                    : Reason.UNSUPPORTED_FORMAT, path, at + ": descr '" + shown + "' is not numeric data ("
                    + NumpyDType.kind(code) + "); ptsafe reads .npy arrays of bool, int8..int64, uint8..uint64, "
                    + "float16/32/64 and complex64/128");
        }
        ByteOrder order = switch (s.charAt(0)) {
            case '>' -> ByteOrder.BIG_ENDIAN;
            case '<' -> ByteOrder.LITTLE_ENDIAN;
            // numpy writes '|' ("not applicable") for one-byte types only.
            default -> dtype.byteOrderUnit() == 1 ? ByteOrder.LITTLE_ENDIAN : null;
        };
        if (order == null) {
            throw new PtsafeException(Reason.UNKNOWN_DTYPE, path, at + ": descr '" + shown + "': byte order '|' "
                    + "for a type of more than one byte; numpy writes '<' or '>' for those");
        }
        return new Descr(dtype, order);
    }
}
