package io.ptsafe.safetensors.reader;

import io.ptsafe.DType;
import io.ptsafe.FileFormat;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Tensor;
import io.ptsafe.spi.BasicTensorFile;
import io.ptsafe.spi.FileArena;
import io.ptsafe.spi.MappedFiles;
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

    /** Eight bytes of the header at a time, little-endian: strings are scanned and words compared so. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    // The keys, as words of up to eight bytes (see #word).
    private static final long DTYPE = word("dtype");
    private static final long SHAPE = word("shape");
    private static final long DATA_OFFSETS_0 = word("data_off");
    private static final long DATA_OFFSETS_8 = word("sets");
    // The same keys with their quotes and a colon right after, as most headers write them (see #literalKey).
    private static final long QUOTED_DTYPE = word("\"dtype\":");
    private static final long QUOTED_SHAPE = word("\"shape\":");
    private static final long QUOTED_DATA_OFFSETS_0 = word("\"data_of");
    private static final long QUOTED_DATA_OFFSETS_8 = word("fsets\":");
    private static final long METADATA_0 = word(HeaderParser.METADATA_KEY.substring(0, 8));
    private static final long METADATA_8 = word(HeaderParser.METADATA_KEY.substring(8));

    /**
     * The safetensors dtype names by their length (as words: bytes 0-7 and 8-15), with their dtypes, in the
     * order {@link DType#fromSafetensorsName(String)} tries them (the first match wins there and here).
     */
    private static final int DTYPE_NAME_MAX = 16;
    private static final long[][] DTYPE_WORDS_0 = new long[DTYPE_NAME_MAX + 1][0];
    private static final long[][] DTYPE_WORDS_8 = new long[DTYPE_NAME_MAX + 1][0];
    private static final DType[][] DTYPES = new DType[DTYPE_NAME_MAX + 1][0];

    static {
        for (DType t : DType.values()) {
            String name = t.safetensorsName().orElse("");
            int k = name.length();
            if (k > 0) {
                if (k > DTYPE_NAME_MAX) {
                    throw new ExceptionInInitializerError("dtype name over " + DTYPE_NAME_MAX + " characters: " + name);
                }
                int n = DTYPES[k].length;
                DTYPE_WORDS_0[k] = Arrays.copyOf(DTYPE_WORDS_0[k], n + 1);
                DTYPE_WORDS_8[k] = Arrays.copyOf(DTYPE_WORDS_8[k], n + 1);
                DTYPES[k] = Arrays.copyOf(DTYPES[k], n + 1);
                DTYPE_WORDS_0[k][n] = word(name.substring(0, Math.min(8, k)));
                DTYPE_WORDS_8[k][n] = k > 8 ? word(name.substring(8)) : 0;
                DTYPES[k][n] = t;
            }
        }
    }

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
    /**
     * The arena when it is the {@link FileArena} whose origin is this very mapping of this path (every
     * open's): tensors are then made by {@link FileArena#tensor}, the builder's result for less; else null
     * and they are built ({@link Tensor.Builder}).
     */
    private final FileArena fileArena;
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
    /**
     * One array per rank that the shape of the entry being read is copied to ({@link #shapeOf}): the
     * tensor builder and {@link FileArena#tensor} copy the shape they are given (the latter only when the
     * file has no equal one yet), so no array per tensor is made here.
     */
    private long[][] shapes = new long[9][];
    /** The dtype name last matched (its length and words) and its dtype, tried before the table. */
    private int lastDtypeLength = -1;
    private long lastDtype0;
    private long lastDtype8;
    private DType lastDtype;

    /** Over {@code bytes}: the 8 bytes of the length, then the {@code n} of the header (more may follow). */
    private CanonicalHeader(byte[] bytes, int n, Path path, MemorySegment file, Arena arena, LoadOptions options) {
        this.b = bytes;
        this.p = SafetensorsReader.LENGTH_BYTES;
        this.end = SafetensorsReader.LENGTH_BYTES + n;
        this.path = path;
        this.file = file;
        this.arena = arena;
        this.fileArena = arena instanceof FileArena f && f.origin() != null && path != null
                && path.equals(f.origin().file()) && f.origin().offsetOf(file) == 0
                && f.origin().mapping().byteSize() == file.byteSize() ? f : null;
        this.dataStart = SafetensorsReader.LENGTH_BYTES + (long) n;
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
        return read(path, file, n, arena, options, null);
    }

    /**
     * {@link #read(Path, MemorySegment, long, Arena, LoadOptions)}, the header taken from {@code prefix}
     * when it holds it: the file's first bytes as read from it (the length, then the header), so that the
     * mapping is not touched (see {@link MappedFiles#open(io.ptsafe.spi.FileProbe, int, MappedFiles.ReadingPrefix)}).
     *
     * @param prefix the file's first bytes, at least {@code 8 + n} of them to be used; or null
     */
    static BasicTensorFile read(Path path, MemorySegment file, long n, Arena arena, LoadOptions options, byte[] prefix) {
        if (n > MAX_BYTES) {
            return null;
        }
        byte[] bytes = prefix;
        if (bytes == null || bytes.length < SafetensorsReader.LENGTH_BYTES + n) {
            // the length bytes too (8 more), so that both sources are read at the same places
            bytes = new byte[SafetensorsReader.LENGTH_BYTES + (int) n];
            MemorySegment.copy(file, ValueLayout.JAVA_BYTE, 0, bytes, 0, bytes.length);
        }
        try {
            return new CanonicalHeader(bytes, (int) n, path, file, arena, options).parse();
        } catch (GiveUp | PtsafeException e) {
            return null;
        }
    }

    private BasicTensorFile parse() throws GiveUp, PtsafeException {
        whitespace();
        open('{', 1);
        ArrayList<Tensor> tensors = new ArrayList<>();
        Map<String, String> metadata = null;
        if (!close('}')) {
            do {
                whitespace();
                int key = string();
                int keyEnd = stringEnd;
                colon();
                if (keyEnd - key == 12 && word(key, 8) == METADATA_0 && word(key + 8, 4) == METADATA_8) {
                    if (metadata != null) {
                        throw GiveUp.INSTANCE;
                    }
                    metadata = metadata();
                } else {
                    if (tensors.size() >= maxTensors) {
                        throw GiveUp.INSTANCE;
                    }
                    tensors.add(entry(new String(b, key, keyEnd - key, StandardCharsets.ISO_8859_1), tensors.size()));
                    if (tensors.size() == 1) {
                        expect(tensors, p - (key - 1));
                    }
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
     * Sizes the list of tensors and the offset arrays for as many entries as the header holds if the
     * others are as long as the first ({@code firstBytes}, from its name's quote to its closing brace),
     * at most maxTensors: they are then not grown (and copied) ten times on the way. An entry is at least
     * 45 bytes long and a guessed one costs 20 bytes (a reference and two offsets), so this never asks for
     * more than half the header's length again, whatever the first entry.
     */
    private void expect(ArrayList<Tensor> tensors, int firstBytes) {
        int guess = (int) Math.min(maxTensors, (end - SafetensorsReader.LENGTH_BYTES) / Math.max(firstBytes, 1) + 1L);
        if (guess > begins.length) {
            tensors.ensureCapacity(guess);
            begins = Arrays.copyOf(begins, guess);
            ends = Arrays.copyOf(ends, guess);
        }
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
            int bit = literalKey();
            if (bit == 0) {
                int key = string();
                int keyEnd = stringEnd;
                colon();
                if (keyEnd - key == 5) {
                    long w = word(key, 5);
                    bit = w == DTYPE ? 1 : w == SHAPE ? 2 : 0;
                } else if (keyEnd - key == 12 && word(key, 8) == DATA_OFFSETS_0 && word(key + 8, 4) == DATA_OFFSETS_8) {
                    bit = 4;
                }
            }
            if (bit == 0 || (seen & bit) != 0) {
                throw GiveUp.INSTANCE;
            }
            seen |= bit;
            if (bit == 1) {
                dtype = dtype();
            } else if (bit == 2) {
                int rank = numbers(maxRank);
                shape = shapeOf(rank);
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
        if (fileArena != null) {
            return fileArena.tensor(name, dtype, shape, dataStart + begin, size);
        }
        MemorySegment bytes = file.asSlice(dataStart + begin, size);
        return Tensor.builder(name, dtype, shape, bytes).arena(arena).file(path).build();
    }

    /**
     * One of the three keys of an entry written as every writer writes it, its quotes directly followed by
     * ':' ({@code "dtype":}, {@code "shape":}, {@code "data_offsets":}): consumed with the whitespace after
     * it, and its bit returned, in one or two word comparisons instead of a string scan. What
     * {@link #string()} and {@link #colon()} accept of these bytes, and nothing more: a key longer than
     * maxStringLength is left to them (they give up). Returns 0, consuming nothing, for anything else.
     */
    private int literalKey() {
        int i = p;
        if (i + 8 > end) {
            return 0;
        }
        long w = (long) LONGS.get(b, i);
        int length;
        int bit;
        if (w == QUOTED_DTYPE) {
            length = 8;
            bit = 1;
        } else if (w == QUOTED_SHAPE) {
            length = 8;
            bit = 2;
        } else if (w == QUOTED_DATA_OFFSETS_0 && i + 15 <= end && word(i + 8, 7) == QUOTED_DATA_OFFSETS_8) {
            length = 15;
            bit = 4;
        } else {
            return 0;
        }
        if (length - 3 > maxString) { // the key's characters, without its quotes and colon
            return 0;
        }
        p = i + length;
        whitespace();
        return bit;
    }

    private DType dtype() throws GiveUp {
        // The dtype name last matched, quotes included, in one word comparison (names up to 6 characters):
        // what string() accepts of these bytes when the name is within maxStringLength.
        int k = lastDtypeLength;
        if (k >= 0 && k <= 6 && k <= maxString && p + 8 <= end) {
            long quoted = '"' | lastDtype0 << 8 | (long) '"' << 8 * (k + 1);
            long mask = k == 6 ? -1L : (1L << 8 * (k + 2)) - 1;
            if (((long) LONGS.get(b, p) & mask) == quoted) {
                stringEnd = p + k + 1;
                p += k + 2;
                return lastDtype;
            }
        }
        int s = string();
        int length = stringEnd - s;
        if (length <= DTYPE_NAME_MAX) {
            long w0 = word(s, Math.min(8, length));
            long w8 = length > 8 ? word(s + 8, length - 8) : 0;
            if (length == lastDtypeLength && w0 == lastDtype0 && w8 == lastDtype8) {
                return lastDtype; // most files have one or two dtypes
            }
            long[] words0 = DTYPE_WORDS_0[length];
            for (int i = 0; i < words0.length; i++) {
                if (words0[i] == w0 && DTYPE_WORDS_8[length][i] == w8) {
                    lastDtypeLength = length;
                    lastDtype0 = w0;
                    lastDtype8 = w8;
                    lastDtype = DTYPES[length][i];
                    return lastDtype;
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

    /**
     * The shape just read ({@code rank} numbers in {@link #dims}) in this parse's array of that length,
     * overwritten by the next entry of the same rank: valid until then, which is enough for the builder.
     */
    private long[] shapeOf(int rank) {
        if (rank >= shapes.length) {
            shapes = Arrays.copyOf(shapes, Math.max(rank + 1, 2 * shapes.length));
        }
        long[] s = shapes[rank];
        if (s == null) {
            s = new long[rank];
            shapes[rank] = s;
        }
        System.arraycopy(dims, 0, s, 0, rank);
        return s;
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
        byte[] a = b;
        int i = p;
        int start = i;
        long v = 0;
        boolean more = true;
        if (i + 8 <= end) {
            // Up to eight digits at once: the value of the digits before the first other byte, then the
            // byte loop goes on from there (the same value, and the same wrap past 2^63, as the loop alone).
            long t = (long) LONGS.get(a, i) - 0x3030303030303030L;
            // A byte under '0' has its high bit set in t, one over '9' in t + 0x76; the borrows and carries
            // only change bytes above it
            long other = (t | t + 0x7676767676767676L) & HIGHS;
            int k = other == 0 ? 8 : Long.numberOfTrailingZeros(other) >>> 3;
            if (k > 0) {
                v = eightDigits(t << 8 * (8 - k));
                i += k;
            }
            more = k == 8; // under eight digits, the byte at i is known not to be one
        }
        int d;
        while (more && i < end && (d = a[i] - '0') >= 0 && d <= 9) {
            v = v * 10 + d;
            i++;
        }
        int digits = i - start;
        // No digit, a leading zero, over 19 digits, or 19 that overflowed (2^63 to 10^19 - 1 wrap to negative).
        if (digits == 0 || (a[start] == '0' && digits > 1) || digits > 19 || v < 0) {
            throw GiveUp.INSTANCE;
        }
        p = i;
        return v;
    }

    /**
     * The value of eight digits 0-9, one a byte, the first (most significant) in the lowest byte: pairs,
     * then fours, then the eight, by one multiplication each.
     */
    private static long eightDigits(long digits) {
        long x = (digits * 10 + (digits >>> 8)) & 0x00FF00FF00FF00FFL;
        x = (x * 100 + (x >>> 16)) & 0x0000FFFF0000FFFFL;
        return (x * 10000 + (x >>> 32)) & 0xFFFFFFFFL;
    }

    /**
     * A string of printable ASCII without escapes, at most maxStringLength long: returns where its
     * characters begin and leaves {@link #stringEnd} at its closing quote, {@code p} after it.
     */
    private int string() throws GiveUp {
        byte[] a = b;
        int s = p + 1;
        if (p >= end || a[p] != '"') {
            throw GiveUp.INSTANCE;
        }
        int i = s;
        // Eight bytes at a time. The lowest byte flagged is the first quote, backslash, control byte or
        // byte over 0x7F (the borrows of the zero-byte tests only flag bytes above a real hit).
        while (true) {
            if (i + 8 > end) {
                while (i < end && a[i] >= 0x20 && a[i] != '"' && a[i] != '\\') {
                    i++;
                }
                break;
            }
            long x = (long) LONGS.get(a, i);
            long quote = x ^ 0x2222222222222222L;
            long backslash = x ^ 0x5C5C5C5C5C5C5C5CL;
            long special = (((quote - ONES) & ~quote) | ((backslash - ONES) & ~backslash) | (x - 0x2020202020202020L) | x)
                    & HIGHS;
            if (special != 0) {
                i += Long.numberOfTrailingZeros(special) >>> 3;
                break;
            }
            i += 8;
        }
        // the string ends at a quote; a backslash, control byte, byte over 0x7F or the end gives up
        if (i >= end || a[i] != '"' || i - s > maxString) {
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
            // most bytes met here are a token's first (over ' '): one comparison
            if (c > ' ' || c != ' ' && c != '\n' && c != '\r' && c != '\t') {
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

    /**
     * Bytes {@code [from, from + length)} of the header, {@code length} at most 8, as a little-endian word
     * (the first byte lowest, zeros above): eight bytes compared at once.
     */
    private long word(int from, int length) {
        if (from + 8 <= end) {
            long x = (long) LONGS.get(b, from);
            return length == 8 ? x : x & ((1L << (8 * length)) - 1);
        }
        long w = 0;
        for (int i = length - 1; i >= 0; i--) {
            w = w << 8 | (b[from + i] & 0xFF);
        }
        return w;
    }

    /** The word of an ASCII text of at most 8 characters, as {@link #word(int, int)} reads it. */
    private static long word(String text) {
        long w = 0;
        for (int i = text.length() - 1; i >= 0; i--) {
            w = w << 8 | text.charAt(i);
        }
        return w;
    }
}
