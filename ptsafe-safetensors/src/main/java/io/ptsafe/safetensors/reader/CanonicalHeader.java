package io.ptsafe.safetensors.reader;

import io.ptsafe.DType;
import io.ptsafe.FileFormat;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Tensor;
import io.ptsafe.spi.BasicTensorFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fast path of a safetensors open: one strict pass over the header bytes that validates, indexes
 * and builds the tensors of a header in the canonical form, or gives up ({@code null}) and leaves the
 * whole file to the general path ({@link JsonPrescan}, jackson, {@link HeaderParser},
 * {@link HeaderValidation}). It never refuses a file itself: every refusal, with its reason and message,
 * is the general path's, which reads the file again from the start.
 *
 * <p>The canonical form is what the reference and every common writer produce: ASCII without escapes, an
 * object of tensor entries {@code {"dtype":"F32","shape":[..],"data_offsets":[a,b]}} (the three keys once
 * each, in any order) and at most one {@code __metadata__} object of string values; JSON whitespace
 * anywhere between tokens; numbers as plain unsigned decimal integers up to {@link Long#MAX_VALUE}
 * ({@code 0} or no leading zero); tensors in any order. Anything else (an escape, a byte over 0x7F, a
 * fraction, a header over {@link #MAX_BYTES}) gives up.
 *
 * <p>It accepts only what the general path accepts, with the same result. Every rule of the general path
 * is checked here, or implied by the canonical form:
 * <ul>
 *   <li>strict UTF-8 ({@link Utf8Validation}): ASCII only;
 *   <li>{@link JsonPrescan}: first non-whitespace byte '{', no control byte, depth at most
 *       {@link LoadOptions#maxJsonDepth()}, every string (keys included) at most
 *       {@link LoadOptions#maxStringLength()} characters, numbers at most 19 digits, no escape at all;
 *   <li>jackson's grammar (a subset of it) and duplicate keys: within an entry by the three keys' bits,
 *       of {@code __metadata__} and within it directly, between tensor names by {@link BasicTensorFile}'s
 *       name index, whose {@link io.ptsafe.Reason#DUPLICATE_TENSOR} refusal is taken as "give up";
 *   <li>{@link HeaderParser}: known dtype names, {@link LoadOptions#maxTensors()},
 *       {@link LoadOptions#maxRank()}, {@link LoadOptions#maxContainerItems()} for the metadata, exactly two
 *       offsets, nothing but whitespace after the object;
 *   <li>{@link HeaderValidation}: per tensor, the end not before the begin, element and bit counts in checked
 *       64-bit arithmetic, whole bytes, the span equal to the size; for all, contiguous from 0 in the order
 *       of (begin, end) ({@link OffsetOrder}, which sorts only when the header order is not that one);
 *   <li>the byte buffer exactly as long as the last tensor's end;
 *   <li>{@link Tensor.Builder#build()} and {@link BasicTensorFile} as the general path calls them: any
 *       refusal of theirs gives up too.
 * </ul>
 * The differential tests ({@code CanonicalHeaderDifferentialTest}) hold this against the general path.
 */
final class CanonicalHeader {
    /**
     * Headers longer than this go the general path: the fast one copies the header into one array,
     * which is then bounded (a 20,000-tensor header is about 2 MB; the default header limit is 100 MB).
     */
    static final int MAX_BYTES = 32 << 20;

    private static final byte[] DTYPE = ascii("dtype");
    private static final byte[] SHAPE = ascii("shape");
    private static final byte[] DATA_OFFSETS = ascii("data_offsets");
    private static final byte[] METADATA = ascii(HeaderParser.METADATA_KEY);
    /**
     * The safetensors dtype names by their length, with their dtypes, in the order
     * {@link DType#fromSafetensorsName(String)} tries them (the first match wins there and here).
     */
    private static final byte[][][] DTYPE_NAMES = new byte[16][][];
    private static final DType[][] DTYPES = new DType[16][];

    static {
        for (DType t : DType.values()) {
            byte[] name = ascii(t.safetensorsName().orElse(""));
            if (name.length > 0) {
                int k = name.length;
                DTYPE_NAMES[k] = DTYPE_NAMES[k] == null ? new byte[1][] : Arrays.copyOf(DTYPE_NAMES[k], DTYPE_NAMES[k].length + 1);
                DTYPES[k] = DTYPES[k] == null ? new DType[1] : Arrays.copyOf(DTYPES[k], DTYPES[k].length + 1);
                DTYPE_NAMES[k][DTYPE_NAMES[k].length - 1] = name;
                DTYPES[k][DTYPES[k].length - 1] = t;
            }
        }
    }

    /** Eight bytes of the header at a time, for the scan of strings. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /** Giving up: not an error, the general path decides. One instance, no stack trace. */
    private static final class GiveUp extends Exception {
        private static final GiveUp INSTANCE = new GiveUp();

        private GiveUp() {
            super("not a canonical header", null, false, false);
        }
    }

    private final byte[] b;
    private final int end;
    private int p;
    private final Path path;
    private final MemorySegment file;
    private final Arena arena;
    private final long dataStart;
    private final long bufferLength;
    private final int maxDepth;
    private final int maxString;
    private final int maxTensors;
    private final int maxRank;
    private final int maxMetadata;
    /** data_offsets of each tensor in header order, for {@link OffsetOrder}. */
    private long[] begins = new long[16];
    private long[] ends = new long[16];
    /** The end of the last string read (its closing quote). */
    private int stringEnd;
    /** The shape being read, before it is copied to its exact length. */
    private long[] dims = new long[8];

    private CanonicalHeader(byte[] header, Path path, MemorySegment file, Arena arena, LoadOptions options) {
        this.b = header;
        this.end = header.length;
        this.path = path;
        this.file = file;
        this.arena = arena;
        this.dataStart = SafetensorsReader.LENGTH_BYTES + (long) header.length;
        this.bufferLength = file.byteSize() - dataStart;
        this.maxDepth = options.maxJsonDepth();
        this.maxString = options.maxStringLength();
        this.maxTensors = options.maxTensors();
        this.maxRank = options.maxRank();
        this.maxMetadata = options.maxContainerItems();
    }

    /**
     * Reads the file when its header is canonical and valid.
     *
     * @param file     the whole file, its header length already checked: {@code n} bytes of header follow
     *                 the 8 of the length, within the file and within {@link LoadOptions#maxHeaderBytes()}
     * @param n        the header length
     * @return the file, owning {@code arena}; or null to leave the file to the general path
     */
    static BasicTensorFile read(Path path, MemorySegment file, long n, Arena arena, LoadOptions options) {
        if (n > MAX_BYTES) {
            return null;
        }
        byte[] header = new byte[(int) n];
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, SafetensorsReader.LENGTH_BYTES, header, 0, header.length);
        try {
            return new CanonicalHeader(header, path, file, arena, options).parse();
        } catch (GiveUp | PtsafeException e) {
            return null;
        }
    }

    private BasicTensorFile parse() throws GiveUp, PtsafeException {
        whitespace();
        open('{', 1);
        List<Tensor> tensors = new ArrayList<>();
        Map<String, String> metadata = null;
        if (!close('}')) {
            do {
                whitespace();
                int key = string();
                int keyEnd = stringEnd;
                colon();
                if (equals(key, keyEnd, METADATA)) {
                    if (metadata != null) {
                        throw GiveUp.INSTANCE;
                    }
                    metadata = metadata();
                } else {
                    if (tensors.size() >= maxTensors) {
                        throw GiveUp.INSTANCE;
                    }
                    tensors.add(entry(new String(b, key, keyEnd - key, StandardCharsets.ISO_8859_1), tensors.size()));
                }
            } while (comma('}'));
        }
        whitespace();
        if (p != end || OffsetOrder.end(begins, ends, tensors.size()) != bufferLength) {
            throw GiveUp.INSTANCE;
        }
        // Its name index refuses a name twice (DUPLICATE_TENSOR): the general path then says DUPLICATE_KEY.
        return new BasicTensorFile(path, FileFormat.SAFETENSORS, tensors, metadata == null ? Map.of() : metadata,
                null, arena, List.of());
    }

    /**
     * Tensor {@code index} of the header, its name read: the three keys once each, then the checks of its
     * size; its offsets are kept for {@link OffsetOrder}.
     */
    private Tensor entry(String name, int index) throws GiveUp, PtsafeException {
        open('{', 2);
        DType dtype = null;
        long[] shape = null;
        long begin = 0;
        long stop = 0;
        int seen = 0;
        do {
            whitespace();
            int key = string();
            int keyEnd = stringEnd;
            colon();
            int bit = keyEnd - key == 5 ? (equals(key, keyEnd, DTYPE) ? 1 : equals(key, keyEnd, SHAPE) ? 2 : 0)
                    : equals(key, keyEnd, DATA_OFFSETS) ? 4 : 0;
            if (bit == 0 || (seen & bit) != 0) {
                throw GiveUp.INSTANCE;
            }
            seen |= bit;
            if (bit == 1) {
                dtype = dtype();
            } else if (bit == 2) {
                int rank = numbers(maxRank);
                shape = rank == 0 ? new long[0] : Arrays.copyOf(dims, rank);
            } else {
                if (numbers(2) != 2) {
                    throw GiveUp.INSTANCE;
                }
                begin = dims[0];
                stop = dims[1];
            }
        } while (comma('}'));
        if (seen != 7) {
            throw GiveUp.INSTANCE;
        }
        // HeaderValidation's checks of one tensor; the order of all is OffsetOrder's. Within the buffer,
        // so that the slice can be made now (the general path refuses an end past it).
        if (stop < begin || stop > bufferLength) {
            throw GiveUp.INSTANCE;
        }
        long size;
        try {
            long count = 1;
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
            long bits = Math.multiplyExact(count, dtype.bits());
            if (bits % 8 != 0) {
                throw GiveUp.INSTANCE;
            }
            size = bits / 8;
        } catch (ArithmeticException e) {
            throw GiveUp.INSTANCE;
        }
        if (stop - begin != size) {
            throw GiveUp.INSTANCE;
        }
        if (index == begins.length) {
            begins = Arrays.copyOf(begins, 2 * index);
            ends = Arrays.copyOf(ends, 2 * index);
        }
        begins[index] = begin;
        ends[index] = stop;
        MemorySegment bytes = file.asSlice(dataStart + begin, size);
        return Tensor.builder(name, dtype, shape, bytes).arena(arena).file(path).build();
    }

    private DType dtype() throws GiveUp {
        int s = string();
        int length = stringEnd - s;
        if (length < DTYPE_NAMES.length && DTYPE_NAMES[length] != null) {
            byte[][] names = DTYPE_NAMES[length];
            for (int i = 0; i < names.length; i++) {
                if (equals(s, stringEnd, names[i])) {
                    return DTYPES[length][i];
                }
            }
        }
        throw GiveUp.INSTANCE;
    }

    /** {@code __metadata__}: an object of strings, no key twice, at most maxContainerItems entries. */
    private Map<String, String> metadata() throws GiveUp {
        open('{', 2);
        Map<String, String> m = new LinkedHashMap<>();
        if (close('}')) {
            return m;
        }
        do {
            whitespace();
            int k = string();
            String key = new String(b, k, stringEnd - k, StandardCharsets.ISO_8859_1);
            colon();
            int v = string();
            String value = new String(b, v, stringEnd - v, StandardCharsets.ISO_8859_1);
            if (m.size() >= maxMetadata || m.putIfAbsent(key, value) != null) {
                throw GiveUp.INSTANCE;
            }
        } while (comma('}'));
        return m;
    }

    /** An array of at most {@code max} unsigned integers, left in {@link #dims}; returns their count. */
    private int numbers(int max) throws GiveUp {
        open('[', 3);
        if (close(']')) {
            return 0;
        }
        int n = 0;
        do {
            whitespace();
            if (n == max) {
                throw GiveUp.INSTANCE;
            }
            if (n == dims.length) {
                dims = Arrays.copyOf(dims, 2 * n);
            }
            dims[n++] = number();
        } while (comma(']'));
        return n;
    }

    /** {@code 0}, or a digit 1-9 and at most 18 more digits, up to {@link Long#MAX_VALUE}. */
    private long number() throws GiveUp {
        int c = at(p);
        if (c == '0') {
            p++;
            return 0;
        }
        if (c < '1' || c > '9') {
            throw GiveUp.INSTANCE;
        }
        long v = c - '0';
        int start = p++;
        while ((c = at(p)) >= '0' && c <= '9') {
            // 18 digits always fit; a 19th may overflow; a 20th always does
            if (p - start >= 18 && (p - start > 18 || v > (Long.MAX_VALUE - (c - '0')) / 10)) {
                throw GiveUp.INSTANCE;
            }
            v = v * 10 + (c - '0');
            p++;
        }
        return v;
    }

    /**
     * A string of printable ASCII without escapes, at most maxStringLength long: returns where its
     * characters begin and leaves {@link #stringEnd} at its closing quote, {@code p} after it.
     */
    private int string() throws GiveUp {
        if (at(p) != '"') {
            throw GiveUp.INSTANCE;
        }
        int s = ++p;
        int i = s;
        byte[] a = b;
        // Eight bytes at a time while none is a quote, a backslash, a control byte or over 0x7F; the
        // byte loop below then finds which one it is.
        while (i + 8 <= end) {
            long x = (long) LONGS.get(a, i);
            long quote = x ^ 0x2222222222222222L;
            long backslash = x ^ 0x5C5C5C5C5C5C5C5CL;
            long special = ((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | (x - 0x2020202020202020L) | x;
            if ((special & HIGHS) != 0) {
                break;
            }
            i += 8;
        }
        while (true) {
            if (i >= end) {
                throw GiveUp.INSTANCE;
            }
            byte c = a[i];
            if (c == '"') {
                break;
            }
            if (c < 0x20 || c == '\\') { // control bytes, bytes over 0x7F (negative), escapes
                throw GiveUp.INSTANCE;
            }
            i++;
        }
        if (i - s > maxString) {
            throw GiveUp.INSTANCE;
        }
        stringEnd = i;
        p = i + 1;
        return s;
    }

    /** Whitespace, ':', whitespace. */
    private void colon() throws GiveUp {
        whitespace();
        if (at(p) != ':') {
            throw GiveUp.INSTANCE;
        }
        p++;
        whitespace();
    }

    /** The opening bracket of a container at {@code depth}, and the whitespace after it. */
    private void open(char bracket, int depth) throws GiveUp {
        if (at(p) != bracket || depth > maxDepth) {
            throw GiveUp.INSTANCE;
        }
        p++;
        whitespace();
    }

    /** Whether the container closes here (an empty one), consuming the bracket. */
    private boolean close(char bracket) {
        if (at(p) == bracket) {
            p++;
            return true;
        }
        return false;
    }

    /** After a member: true on ',' (another follows), false on the closing bracket; anything else gives up. */
    private boolean comma(char closing) throws GiveUp {
        whitespace();
        int c = at(p++);
        if (c == ',') {
            return true;
        }
        if (c != closing) {
            throw GiveUp.INSTANCE;
        }
        return false;
    }

    private void whitespace() {
        int i = p;
        while (i < end) {
            byte c = b[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                break;
            }
            i++;
        }
        p = i;
    }

    /** The byte at {@code i}, or -1 past the end. */
    private int at(int i) {
        return i < end ? b[i] : -1;
    }

    /** Whether {@code b[from, to)} is {@code word}: a plain loop, faster than a vectorized compare for a few bytes. */
    private boolean equals(int from, int to, byte[] word) {
        if (to - from != word.length) {
            return false;
        }
        for (int i = 0; i < word.length; i++) {
            if (b[from + i] != word[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
