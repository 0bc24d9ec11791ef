package io.ptsafe;

import io.ptsafe.spi.FileArena;
import io.ptsafe.spi.FileTensors;
import io.ptsafe.spi.MappedFiles;
import io.ptsafe.spi.TensorOrigin;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One tensor of a {@link TensorFile}: its name, dtype and shape, and its bytes as a view of the
 * file's memory mapping.
 *
 * <p>{@link #data()} is always little-endian, row-major and contiguous. For a contiguous
 * little-endian tensor it is a zero-copy, read-only slice of the mapping. For a strided view or a
 * big-endian file it is a contiguous little-endian copy, made once on first use in the file's arena
 * and freed when the file closes; {@link #isView()}, {@link #strides()}, {@link #storageOffset()} and
 * {@link #storage()} let a caller that wants no copy read the storage directly.
 *
 * <p>Reading never throws a checked exception: the file was validated when it was opened. What can
 * still go wrong is unchecked, by who is at fault:
 * <ul>
 *   <li>{@link TensorFileClosedException} (an {@link IllegalStateException}): the tensor was read
 *       after its file was closed, or while it was closing. The memory behind a closed file is never
 *       touched.</li>
 *   <li>{@link UnsupportedOperationException}: a conversion the dtype does not take exactly (its
 *       message names the tensor, the dtype and the dtypes the conversion takes), or a tensor too large
 *       for the Java container asked for (arrays stop at 2^31 - 9 elements, ByteBuffers at 2 GiB, and
 *       {@link #data()} of a view stops where its contiguous copy cannot be allocated).</li>
 *   <li>{@link IllegalArgumentException} / {@link IndexOutOfBoundsException}: a bad slice or
 *       destination range.</li>
 *   <li>{@link UncheckedIOException} whose {@linkplain UncheckedIOException#getCause() cause} is a
 *       {@link PtsafeException} of {@link Reason#FILE_CHANGED}: the file was truncated or rewritten on
 *       disk while mapped and the JVM reported a fault on mapped memory during a read ptsafe made.</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class Tensor {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Largest Java array ptsafe fills (what common JVMs allow). */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private static final Set<DType> TO_LONG = EnumSet.of(DType.I64, DType.I32, DType.I16, DType.I8, DType.U32,
            DType.U16, DType.U8, DType.BOOL);
    private static final Set<DType> TO_INT = EnumSet.of(DType.I32, DType.I16, DType.I8, DType.U16, DType.U8,
            DType.BOOL);
    private static final Set<DType> TO_SHORT = EnumSet.of(DType.I16, DType.I8, DType.U8, DType.BOOL);
    private static final Set<DType> TO_BYTE = EnumSet.of(DType.I8, DType.BOOL);

    // Compact: a file holds one Tensor per entry, so every field here is paid 100,000 times in a
    // large checkpoint. What all tensors of a file share (mapping, arena, path) is one TensorOrigin;
    // the storage is a byte range of its mapping, sliced when asked for; the shape array may be
    // shared with other tensors of the file (never written); numel and byteSize are computed from
    // the shape (validated once); what most tensors lack is in a Rare, null for them.
    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final TensorOrigin origin;
    private final long storageStart;
    private final long storageSize;
    private final Rare rare;

    /**
     * What few tensors have: kept strides, an offset, a big-endian storage, a quantization, and the
     * copy {@link #data()} makes of a view.
     */
    private static final class Rare {
        /** Null when contiguous row-major from the shape: computed on use, not kept. */
        final long[] strides;
        final long storageOffset;
        final ByteOrder order;
        final Quantization quantization;
        final boolean contiguous;
        volatile MemorySegment copy;

        Rare(long[] strides, long storageOffset, ByteOrder order, Quantization quantization, boolean contiguous) {
            this.strides = strides;
            this.storageOffset = storageOffset;
            this.order = order;
            this.quantization = quantization;
            this.contiguous = contiguous;
        }
    }

    static {
        FileTensors.install(Tensor::fileTensor);
    }

    /**
     * {@link FileTensors}' maker: the tensor {@link Builder#build()} makes of bytes
     * {@code [start, start + byteSize)} of {@code origin}'s mapping (contiguous, little-endian, in the
     * file's arena), with the checks it makes of such a tensor: dimensions not negative, element, bit and
     * row-major stride counts within 64 bits, whole bytes, the storage long enough. Whatever the builder
     * would refuse is left to it, for its reason and message.
     */
    private static Tensor fileTensor(String name, DType dtype, long[] shape, TensorOrigin origin, long start,
            long byteSize) throws PtsafeException {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        try {
            long numel = 1;
            for (long d : shape) {
                if (d < 0) {
                    return refusedFileTensor(name, dtype, shape, origin, start, byteSize);
                }
                numel = Math.multiplyExact(numel, d);
            }
            long bits = Math.multiplyExact(numel, dtype.bits());
            long acc = 1;
            for (int i = shape.length - 1; i >= 0; i--) {
                acc = shape[i] == 0 ? acc : Math.multiplyExact(acc, shape[i]);
            }
            long needed = dtype.isSubByte() ? bits / 8
                    : numel == 0 ? 0 : Math.multiplyExact(numel, (long) dtype.byteSize());
            if (bits % 8 != 0 || needed > byteSize) {
                return refusedFileTensor(name, dtype, shape, origin, start, byteSize);
            }
        } catch (ArithmeticException e) {
            return refusedFileTensor(name, dtype, shape, origin, start, byteSize);
        }
        return new Tensor(name, dtype, shape, origin, start, byteSize);
    }

    /** What {@link #fileTensor} leaves to the builder: its refusal (or its tensor, were there one). */
    private static Tensor refusedFileTensor(String name, DType dtype, long[] shape, TensorOrigin origin, long start,
            long byteSize) throws PtsafeException {
        return builder(name, dtype, shape, origin.mapping().asSlice(start, byteSize)).arena(origin.arena())
                .file(origin.file()).build();
    }

    /**
     * A tensor without a {@link Rare}. A constructor of its own: the JIT does not inline a call whose
     * signature names a class not loaded yet, and {@link Rare} is not, in a file of plain tensors.
     */
    private Tensor(String name, DType dtype, long[] shape, TensorOrigin origin, long storageStart, long storageSize) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape;
        this.origin = origin;
        this.storageStart = storageStart;
        this.storageSize = storageSize;
        this.rare = null;
    }

    private Tensor(String name, DType dtype, long[] shape, TensorOrigin origin, long storageStart, long storageSize,
            Rare rare) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape;
        this.origin = origin;
        this.storageStart = storageStart;
        this.storageSize = storageSize;
        this.rare = rare;
    }

    /**
     * Starts a tensor over {@code storage}. Without strides it is contiguous row-major from
     * {@code storageOffset}; the storage must hold it ({@link Builder#build()} checks). For providers
     * that describe tensors read from a file; {@code of(...)} makes in-memory tensors.
     *
     * @param name the tensor's name
     * @param dtype the element type
     * @param shape the sizes of the dimensions (copied)
     * @param storage the bytes the tensor views
     * @return a builder
     */
    public static Builder builder(String name, DType dtype, long[] shape, MemorySegment storage) {
        return new Builder(name, dtype, shape, storage);
    }

    /**
     * A contiguous tensor whose bytes are exactly {@code data}, little-endian. A heap segment over a
     * {@code short[]}, {@code int[]}, {@code float[]}, {@code long[]} or {@code double[]}
     * ({@code MemorySegment.ofArray(float[])}) holds the platform's byte order: it is read in that
     * order, so the tensor's values are the array's on any platform; on a big-endian platform such a
     * segment must have the dtype's element width. The typed {@code of(name, float[], shape)} forms
     * need no segment at all.
     *
     * @param name the tensor's name
     * @param dtype the element type
     * @param shape the sizes of the dimensions (copied)
     * @param data the tensor's bytes, exactly as many as shape and dtype need
     * @return the tensor
     * @throws IllegalArgumentException if the shape is invalid or {@code data} is not exactly the size it needs
     */
    public static Tensor of(String name, DType dtype, long[] shape, MemorySegment data) {
        Tensor t;
        try {
            t = builder(name, dtype, shape, data).byteOrder(heapOrder(name, dtype, data)).build();
        } catch (PtsafeException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (t.byteSize() != data.byteSize()) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dtype + Arrays.toString(shape) + " needs "
                    + t.byteSize() + " bytes, the segment has " + data.byteSize());
        }
        return t;
    }

    /**
     * An F32 tensor holding a copy of {@code values}, written little-endian whatever the platform.
     *
     * @param name the tensor's name
     * @param values the elements in row-major order
     * @param shape the sizes of the dimensions; their product must be {@code values.length}
     * @return the tensor, in memory freed when it is no longer reachable
     * @throws IllegalArgumentException if the shape does not hold exactly {@code values.length} elements
     */
    public static Tensor of(String name, float[] values, long... shape) {
        return ofArray(name, DType.F32, values.length, shape, s -> MemorySegment.copy(values, 0, s, F32_LE, 0, values.length));
    }

    /**
     * An F64 tensor holding a copy of {@code values}, written little-endian whatever the platform.
     *
     * @param name the tensor's name
     * @param values the elements in row-major order
     * @param shape the sizes of the dimensions; their product must be {@code values.length}
     * @return the tensor, in memory freed when it is no longer reachable
     * @throws IllegalArgumentException if the shape does not hold exactly {@code values.length} elements
     */
    public static Tensor of(String name, double[] values, long... shape) {
        return ofArray(name, DType.F64, values.length, shape, s -> MemorySegment.copy(values, 0, s, F64_LE, 0, values.length));
    }

    /**
     * An I64 tensor holding a copy of {@code values}, written little-endian whatever the platform.
     *
     * @param name the tensor's name
     * @param values the elements in row-major order
     * @param shape the sizes of the dimensions; their product must be {@code values.length}
     * @return the tensor, in memory freed when it is no longer reachable
     * @throws IllegalArgumentException if the shape does not hold exactly {@code values.length} elements
     */
    public static Tensor of(String name, long[] values, long... shape) {
        return ofArray(name, DType.I64, values.length, shape, s -> MemorySegment.copy(values, 0, s, I64_LE, 0, values.length));
    }

    /**
     * An I32 tensor holding a copy of {@code values}, written little-endian whatever the platform.
     *
     * @param name the tensor's name
     * @param values the elements in row-major order
     * @param shape the sizes of the dimensions; their product must be {@code values.length}
     * @return the tensor, in memory freed when it is no longer reachable
     * @throws IllegalArgumentException if the shape does not hold exactly {@code values.length} elements
     */
    public static Tensor of(String name, int[] values, long... shape) {
        return ofArray(name, DType.I32, values.length, shape, s -> MemorySegment.copy(values, 0, s, I32_LE, 0, values.length));
    }

    /**
     * An I16 tensor holding a copy of {@code values}, written little-endian whatever the platform.
     *
     * @param name the tensor's name
     * @param values the elements in row-major order
     * @param shape the sizes of the dimensions; their product must be {@code values.length}
     * @return the tensor, in memory freed when it is no longer reachable
     * @throws IllegalArgumentException if the shape does not hold exactly {@code values.length} elements
     */
    public static Tensor of(String name, short[] values, long... shape) {
        return ofArray(name, DType.I16, values.length, shape, s -> MemorySegment.copy(values, 0, s, I16_LE, 0, values.length));
    }

    /**
     * An I8 tensor holding a copy of {@code values}.
     *
     * @param name the tensor's name
     * @param values the elements in row-major order
     * @param shape the sizes of the dimensions; their product must be {@code values.length}
     * @return the tensor, in memory freed when it is no longer reachable
     * @throws IllegalArgumentException if the shape does not hold exactly {@code values.length} elements
     */
    public static Tensor of(String name, byte[] values, long... shape) {
        return ofArray(name, DType.I8, values.length, shape,
                s -> MemorySegment.copy(values, 0, s, ValueLayout.JAVA_BYTE, 0, values.length));
    }

    private static Tensor ofArray(String name, DType dtype, int length, long[] shape, Consumer<MemorySegment> fill) {
        Objects.requireNonNull(shape, "shape");
        long numel = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension " + d + " in shape "
                        + Arrays.toString(shape));
            }
            numel = d == 0 || numel == 0 ? 0 : Math.multiplyHigh(numel, d) != 0 ? -1 : numel * d;
            if (numel < 0) {
                break;
            }
        }
        if (numel != length) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " does not hold "
                    + length + " elements");
        }
        long bytes = (long) length * dtype.byteSize();
        MemorySegment s = Arena.ofAuto().allocate(Math.max(bytes, 1), 16).asSlice(0, bytes);
        fill.accept(s);
        return of(name, dtype, shape, s);
    }

    /**
     * The byte order of a heap segment over a primitive array wider than a byte: the platform's
     * ({@code MemorySegment.ofArray(float[])} stores floats natively). Read-only and native segments
     * do not tell (their bytes are the caller's): little-endian.
     */
    private static ByteOrder heapOrder(String name, DType dtype, MemorySegment data) {
        Object base = data.heapBase().orElse(null);
        int width = base instanceof short[] || base instanceof char[] ? 2
                : base instanceof int[] || base instanceof float[] ? 4
                : base instanceof long[] || base instanceof double[] ? 8 : 1;
        if (width == 1 || ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            return ByteOrder.LITTLE_ENDIAN;
        }
        if (width != dtype.byteOrderUnit()) {
            throw new IllegalArgumentException("tensor '" + name + "': a heap segment over an array of " + (width * 8)
                    + "-bit elements holds them big-endian on this platform, and " + dtype + " elements are not "
                    + (width * 8) + "-bit; use Tensor.of(name, array, shape) or a byte[] segment");
        }
        return ByteOrder.BIG_ENDIAN;
    }

    /** {@return the tensor's name} */
    public String name() { return name; }
    /** {@return the element type} */
    public DType dtype() { return dtype; }
    /** {@return the sizes of the dimensions; empty for a 0-dim (scalar) tensor} A copy. */
    public long[] shape() { return shape.clone(); }
    /** {@return the number of dimensions} */
    public int rank() { return shape.length; }
    /** {@return the number of elements (1 for a 0-dim tensor, 0 when any dimension is 0)} */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d; // build() checked the product fits
        }
        return n;
    }
    /** {@return the bytes of {@link #data()}: numel times the dtype's bits, over 8} */
    public long byteSize() { return numel() * dtype.bits() / 8; } // build() checked the product fits
    /** {@return the strides in elements, as torch gives them} A copy. */
    public long[] strides() {
        return rare == null || rare.strides == null ? rowMajorStrides(shape) : rare.strides.clone();
    }

    /** The strides, not copied: the kept array, or the row-major ones made now. */
    private long[] stridesArray() {
        return rare == null || rare.strides == null ? rowMajorStrides(shape) : rare.strides;
    }

    /** Row-major strides of a validated shape (build() checked the products; a 0 dimension counts as 1). */
    private static long[] rowMajorStrides(long[] shape) {
        long[] st = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = acc;
            acc = shape[i] == 0 ? acc : acc * shape[i];
        }
        return st;
    }
    /** {@return the offset of the first element in the storage, in elements} */
    public long storageOffset() { return rare == null ? 0 : rare.storageOffset; }
    /** {@return the byte order of {@link #storage()} (big-endian only for torch files saved on big-endian machines)} */
    public ByteOrder storageByteOrder() { return rare == null ? ByteOrder.LITTLE_ENDIAN : rare.order; }
    /** {@return the file this tensor was read from, or null for an in-memory tensor} */
    public Path file() { return origin.file(); }

    /**
     * {@return how a quantized tensor's integers map to real numbers (scale and zero point, per tensor
     * or per channel); empty for tensors that are not quantized} {@link #data()} holds the integers.
     */
    public Optional<Quantization> quantization() { return Optional.ofNullable(rare == null ? null : rare.quantization); }

    /** {@return whether {@link #data()} needs a copy: a strided view, or a storage that is not little-endian} */
    public boolean isView() {
        return rare != null && (!rare.contiguous || needsSwap());
    }

    /**
     * The whole storage this tensor views (read-only), possibly shared with other tensors.
     *
     * @return the storage
     * @throws TensorFileClosedException if the tensor's file was closed
     */
    public MemorySegment storage() {
        checkOpen();
        return storageSegment();
    }

    /** The storage, sliced from the origin's mapping (no check: a slice of a closed scope is not read here). */
    private MemorySegment storageSegment() {
        MemorySegment m = origin.mapping();
        return storageStart == 0 && storageSize == m.byteSize() ? m : m.asSlice(storageStart, storageSize);
    }

    /**
     * The tensor's bytes: read-only, little-endian, row-major, contiguous, exactly
     * {@link #byteSize()} long. Zero-copy unless {@link #isView()}.
     *
     * <p>A segment read by the caller after its file was changed on disk gets the JDK's own error,
     * not ptsafe's: see the README's security model.
     *
     * @return the bytes
     * @throws TensorFileClosedException if the tensor's file was closed
     * @throws UnsupportedOperationException if the tensor is a view whose contiguous copy cannot be allocated
     *         (a view that repeats elements, stride 0, can declare far more bytes than its file holds);
     *         read {@link #storage()} with {@link #strides()} instead
     * @throws UncheckedIOException of a {@link Reason#FILE_CHANGED} refusal if the file changed on disk
     *         while the copy of a view was made
     */
    public MemorySegment data() {
        long byteSize = byteSize();
        if (byteSize == 0 || !isView()) {
            // Zero-copy: a slice of the mapping, made on each call (nothing kept per tensor).
            checkOpen();
            try {
                return origin.mapping().asSlice(byteSize == 0 ? storageStart
                        : storageStart + storageOffset() * dtype.byteSize(), byteSize);
            } catch (IllegalStateException e) {
                throw closed(e);
            }
        }
        MemorySegment d = rare.copy;
        if (d != null) {
            checkOpen();
            return d;
        }
        synchronized (this) {
            if (rare.copy == null) {
                checkOpen();
                try {
                    rare.copy = materialize();
                } catch (IllegalStateException e) {
                    throw closed(e);
                } catch (InternalError e) {
                    throw changed(e);
                }
            }
            return rare.copy;
        }
    }

    /**
     * {@link #data()} as a read-only little-endian ByteBuffer.
     *
     * @return the buffer
     * @throws UnsupportedOperationException if the tensor is over 2 GiB (use {@link #data()}), or as {@link #data()}
     * @throws TensorFileClosedException if the tensor's file was closed
     * @throws UncheckedIOException as {@link #data()}
     */
    public ByteBuffer asByteBuffer() {
        long byteSize = byteSize();
        if (byteSize > Integer.MAX_VALUE) {
            throw tooLarge("a ByteBuffer", byteSize + " bytes", Integer.MAX_VALUE + " bytes; use data() instead");
        }
        return data().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    // --- slices -----------------------------------------------------------------------------------

    /**
     * Rows {@code [start, end)} of the first dimension, as safetensors' {@code get_slice(name)[start:end]}:
     * the same as {@code slice(0, start, end)}.
     *
     * @param start the first row, inclusive
     * @param end the last row, exclusive
     * @return the view
     * @throws IllegalArgumentException if the tensor is 0-dim or {@code start > end} or either is negative
     * @throws IndexOutOfBoundsException if {@code end} is past the first dimension
     * @throws TensorFileClosedException if the tensor's file was closed
     */
    public Tensor slice(long start, long end) {
        return slice(0, start, end);
    }

    /**
     * Indices {@code [start, end)} along dimension {@code dim}, every other dimension whole:
     * {@code slice(1, 2, 5)} is torch's {@code t[:, 2:5]}. See {@link #slice(Slice...)}.
     *
     * @param dim the dimension, from 0
     * @param start the first index, inclusive
     * @param end the last index, exclusive
     * @return the view
     * @throws IllegalArgumentException if {@code dim} is not a dimension, or {@code start > end} or either is negative
     * @throws IndexOutOfBoundsException if {@code end} is past the dimension
     * @throws TensorFileClosedException if the tensor's file was closed
     */
    public Tensor slice(int dim, long start, long end) {
        if (dim < 0 || dim >= shape.length) {
            throw new IllegalArgumentException(where() + " has " + shape.length + " dimensions, no dimension " + dim);
        }
        Slice[] ranges = new Slice[dim + 1];
        Arrays.fill(ranges, Slice.all());
        ranges[dim] = Slice.range(start, end);
        return slice(ranges);
    }

    /**
     * A view of one {@link Slice} per leading dimension, the remaining dimensions whole: safetensors'
     * {@code get_slice(name)[a:b, :, c:d]} is {@code slice(Slice.range(a, b), Slice.all(), Slice.range(c, d))}.
     * Nothing is copied: the result shares this tensor's storage, with this tensor's strides (times
     * each slice's step) and a new offset. When the result is contiguous (a range of rows, or any slice
     * that keeps whole inner dimensions) its {@link #data()} is zero-copy; otherwise it is a strided
     * view ({@link #isView()}) whose {@code data()} is gathered once. Ranks are kept: a slice of one
     * index is a dimension of size 1. A {@link #quantization()} is kept; per-channel parameters are
     * sliced along their axis alike.
     *
     * <p>Unlike Python, negative indices do not count from the end and indices past a dimension are
     * not clamped: both are errors. Packed sub-byte dtypes (F4, F6) slice only whole rows that start
     * and end on a byte.
     *
     * @param ranges one slice per leading dimension, at most {@link #rank()}
     * @return the view
     * @throws IllegalArgumentException if there are more slices than dimensions, or a packed dtype cannot be
     *         sliced so
     * @throws IndexOutOfBoundsException if a slice reaches past its dimension
     * @throws TensorFileClosedException if the tensor's file was closed
     */
    public Tensor slice(Slice... ranges) {
        Objects.requireNonNull(ranges, "ranges");
        if (shape.length == 0) {
            throw new IllegalArgumentException(where() + " is 0-dim and cannot be sliced");
        }
        if (ranges.length > shape.length) {
            throw new IllegalArgumentException(where() + ": " + ranges.length + " slices for " + shape.length
                    + " dimensions");
        }
        checkOpen();
        long[] s = shape.clone();
        long[] strides = stridesArray();
        long[] st = strides.clone();
        long storageOffset = storageOffset();
        long offset = storageOffset;
        Quantization q = quantization().orElse(null);
        boolean empty = false;
        for (int d = 0; d < ranges.length; d++) {
            Slice r = Objects.requireNonNull(ranges[d], "slice of dimension " + d);
            long end = r.end() == Long.MAX_VALUE ? shape[d] : r.end();
            if (r.start() > shape[d] || end > shape[d]) {
                throw new IndexOutOfBoundsException(where() + ": slice " + r + " of dimension " + d + " is outside its size "
                        + shape[d] + " (shape " + Arrays.toString(shape) + ")");
            }
            long length = Math.max(0, end - r.start());
            long n = length == 0 ? 0 : 1 + (length - 1) / r.step(); // no overflow, whatever the step
            s[d] = n;
            empty |= n == 0;
            if (n > 0) {
                // Inside the validated view: start < shape[d], and (n - 1) * step < shape[d].
                offset += r.start() * strides[d];
                st[d] = n == 1 ? strides[d] : strides[d] * r.step();
            }
            if (n != shape[d]) {
                q = sliceQuantization(q, d, r.start(), end, r.step());
            }
        }
        if (empty) {
            offset = storageOffset;
        }
        if (dtype.isSubByte()) {
            return sliceRows(ranges, s, q);
        }
        return view(viewOf(s).quantization(q).storageOffset(offset).strides(st));
    }

    /** Packed dtypes have no element addresses: only whole rows starting and ending on a byte. */
    private Tensor sliceRows(Slice[] ranges, long[] s, Quantization q) {
        for (int d = 1; d < ranges.length; d++) {
            if (s[d] != shape[d]) {
                throw new IllegalArgumentException(where() + ": a packed " + dtype + " tensor slices only rows "
                        + "(dimension 0), not dimension " + d);
            }
        }
        Slice r = ranges[0];
        if (r.step() != 1 && s[0] > 1) {
            throw new IllegalArgumentException(where() + ": a packed " + dtype + " tensor slices rows with step 1 only");
        }
        long start = s[0] == 0 ? 0 : r.start();
        long end = start + s[0];
        // Packed tensors are contiguous from byte 0 of their storage (build() enforces it), and
        // numel * bits fits 64 bits, so these products cannot overflow.
        long numel = numel();
        long rowBits = numel == 0 ? 0 : numel / shape[0] * dtype.bits();
        if (start * rowBits % 8 != 0 || end * rowBits % 8 != 0) {
            throw new IllegalArgumentException(where() + ": rows [" + start + ", " + end + ") of " + dtype
                    + " do not start and end on a byte");
        }
        Builder b = viewOf(s).quantization(q);
        b.storage = storageSegment().asSlice(start * rowBits / 8);
        return view(b);
    }

    /** A builder of a view over this tensor's storage, in its origin. */
    private Builder viewOf(long[] shape) {
        Builder b = new Builder(name, dtype, shape, storageSegment()).byteOrder(storageByteOrder()).arena(origin.arena())
                .file(origin.file());
        b.origin = origin;
        return b;
    }

    private Quantization sliceQuantization(Quantization q, int dim, long start, long end, long step) {
        if (!(q instanceof Quantization.PerChannelAffine p) || p.axis() != dim) {
            return q;
        }
        if (packsValues(dtype) && dim == shape.length - 1) {
            // That dimension is counted in bytes but its channels in packed values.
            throw new IllegalArgumentException(where() + ": the last dimension of a " + dtype + " tensor quantized "
                    + "per channel along it cannot be sliced (its channels are packed values, its indices bytes)");
        }
        Slice r = Slice.range(start, end, step);
        return new Quantization.PerChannelAffine(p.scales().slice(r), p.zeroPoints().slice(r), dim);
    }

    private Tensor view(Builder b) {
        try {
            return b.build();
        } catch (PtsafeException e) {
            // A slice of a validated view stays inside its storage; only a misuse reaches here.
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    // --- copies into Java arrays ------------------------------------------------------------------

    /**
     * The elements widened to float: F32, F16, BF16 and every F8 variant.
     *
     * @return a new array of {@link #numel()} floats
     * @throws UnsupportedOperationException if the dtype does not widen to float, or the tensor is too large for an array
     * @throws TensorFileClosedException if the tensor's file was closed
     * @throws UncheckedIOException as {@link #data()}
     */
    public float[] toFloatArray() {
        checkWidensToFloat();
        float[] out = new float[arrayLength("a float[]")];
        copyInto(out, 0);
        return out;
    }

    /**
     * The elements widened to double: F64, F32, F16, BF16 and every F8 variant.
     *
     * @return a new array of {@link #numel()} doubles
     * @throws UnsupportedOperationException if the dtype does not widen to double, or the tensor is too large for an array
     * @throws TensorFileClosedException if the tensor's file was closed
     * @throws UncheckedIOException as {@link #data()}
     */
    public double[] toDoubleArray() {
        if (dtype != DType.F64) {
            checkWidensToFloat();
        }
        double[] out = new double[arrayLength("a double[]")];
        if (dtype == DType.F64) {
            MemorySegment d = data();
            bulk(() -> MemorySegment.copy(d, F64_LE, 0, out, 0, out.length));
            return out;
        }
        float[] f = toFloatArray();
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /**
     * The elements as longs: I64, I32, I16, I8, U32, U16, U8 and BOOL (0 or 1), each exactly. U64 is
     * refused (its upper half has no long); {@link #copyInto(long[], int)} copies its bits.
     *
     * @return a new array of {@link #numel()} longs
     * @throws UnsupportedOperationException if the dtype is not one of those, or the tensor is too large for an array
     * @throws TensorFileClosedException if the tensor's file was closed
     * @throws UncheckedIOException as {@link #data()}
     */
    public long[] toLongArray() {
        checkExact(TO_LONG, "a long[]");
        long[] out = new long[arrayLength("a long[]")];
        MemorySegment d = data();
        bulk(() -> IntegerWidening.toLongs(dtype, d, out));
        return out;
    }

    /**
     * The elements as ints: I32, I16, I8, U16, U8 and BOOL (0 or 1), each exactly. U32 is refused
     * (use {@link #toLongArray()}).
     *
     * @return a new array of {@link #numel()} ints
     * @throws UnsupportedOperationException if the dtype is not one of those, or the tensor is too large for an array
     * @throws TensorFileClosedException if the tensor's file was closed
     * @throws UncheckedIOException as {@link #data()}
     */
    public int[] toIntArray() {
        checkExact(TO_INT, "an int[]");
        int[] out = new int[arrayLength("an int[]")];
        MemorySegment d = data();
        bulk(() -> IntegerWidening.toInts(dtype, d, out));
        return out;
    }

    /**
     * The elements as shorts: I16, I8, U8 and BOOL (0 or 1), each exactly. U16 is refused (use
     * {@link #toIntArray()}).
     *
     * @return a new array of {@link #numel()} shorts
     * @throws UnsupportedOperationException if the dtype is not one of those, or the tensor is too large for an array
     * @throws TensorFileClosedException if the tensor's file was closed
     * @throws UncheckedIOException as {@link #data()}
     */
    public short[] toShortArray() {
        checkExact(TO_SHORT, "a short[]");
        short[] out = new short[arrayLength("a short[]")];
        MemorySegment d = data();
        bulk(() -> IntegerWidening.toShorts(dtype, d, out));
        return out;
    }

    /**
     * The elements as bytes: I8 and BOOL (0 or 1), each exactly. U8 is refused (use
     * {@link #toShortArray()}); {@link #copyInto(byte[], int)} copies the raw bytes of any dtype.
     *
     * @return a new array of {@link #numel()} bytes
     * @throws UnsupportedOperationException if the dtype is not one of those, or the tensor is too large for an array
     * @throws TensorFileClosedException if the tensor's file was closed
     * @throws UncheckedIOException as {@link #data()}
     */
    public byte[] toByteArray() {
        checkExact(TO_BYTE, "a byte[]");
        byte[] out = new byte[arrayLength("a byte[]")];
        MemorySegment d = data();
        bulk(() -> IntegerWidening.toBytes(dtype, d, out));
        return out;
    }

    /**
     * Widens the elements to float into {@code dst} from {@code offset} (see {@link #toFloatArray()}).
     *
     * @param dst the array to fill
     * @param offset the index in {@code dst} of the first element
     * @throws UnsupportedOperationException if the dtype does not widen to float, or the tensor is too large for an array
     * @throws IndexOutOfBoundsException if the elements do not fit {@code dst} from {@code offset}
     * @throws TensorFileClosedException if the tensor's file was closed
     * @throws UncheckedIOException as {@link #data()}
     */
    public void copyInto(float[] dst, int offset) {
        Objects.requireNonNull(dst, "dst");
        checkWidensToFloat();
        int n = arrayLength("a float[]");
        checkRange(dst.length, offset, n);
        MemorySegment d = data();
        bulk(() -> FloatWidening.widen(dtype, d, dst, offset, n));
    }

    /**
     * Copies the raw little-endian bytes into {@code dst} from {@code offset}. Any dtype.
     *
     * @param dst the array to fill
     * @param offset the index in {@code dst} of the first element
     * @throws UnsupportedOperationException if the tensor is too large for an array
     * @throws IndexOutOfBoundsException if the bytes do not fit {@code dst} from {@code offset}
     * @throws TensorFileClosedException if the tensor's file was closed
     * @throws UncheckedIOException as {@link #data()}
     */
    public void copyInto(byte[] dst, int offset) {
        Objects.requireNonNull(dst, "dst");
        long byteSize = byteSize();
        if (byteSize > MAX_ARRAY) {
            throw tooLarge("a byte[]", byteSize + " bytes", MAX_ARRAY + " bytes");
        }
        checkRange(dst.length, offset, (int) byteSize);
        MemorySegment d = data();
        bulk(() -> MemorySegment.copy(d, ValueLayout.JAVA_BYTE, 0, dst, offset, (int) byteSize));
    }

    /**
     * Copies 16-bit elements (I16, U16, F16, BF16) as raw shorts.
     *
     * @param dst the array to fill
     * @param offset the index in {@code dst} of the first element
     * @throws UnsupportedOperationException if the dtype is not 16-bit, or the tensor is too large for an array
     * @throws IndexOutOfBoundsException if the elements do not fit {@code dst} from {@code offset}
     * @throws TensorFileClosedException if the tensor's file was closed
     * @throws UncheckedIOException as {@link #data()}
     */
    public void copyInto(short[] dst, int offset) {
        Objects.requireNonNull(dst, "dst");
        int n = rawCount(2, "a short[]");
        checkRange(dst.length, offset, n);
        MemorySegment d = data();
        bulk(() -> MemorySegment.copy(d, I16_LE, 0, dst, offset, n));
    }

    /**
     * Copies 32-bit elements (I32, U32, F32 as bits) as raw ints.
     *
     * @param dst the array to fill
     * @param offset the index in {@code dst} of the first element
     * @throws UnsupportedOperationException if the dtype is not 32-bit, or the tensor is too large for an array
     * @throws IndexOutOfBoundsException if the elements do not fit {@code dst} from {@code offset}
     * @throws TensorFileClosedException if the tensor's file was closed
     * @throws UncheckedIOException as {@link #data()}
     */
    public void copyInto(int[] dst, int offset) {
        Objects.requireNonNull(dst, "dst");
        int n = rawCount(4, "an int[]");
        checkRange(dst.length, offset, n);
        MemorySegment d = data();
        bulk(() -> MemorySegment.copy(d, I32_LE, 0, dst, offset, n));
    }

    /**
     * Copies 64-bit elements (I64, U64, F64 as bits) as raw longs.
     *
     * @param dst the array to fill
     * @param offset the index in {@code dst} of the first element
     * @throws UnsupportedOperationException if the dtype is not 64-bit, or the tensor is too large for an array
     * @throws IndexOutOfBoundsException if the elements do not fit {@code dst} from {@code offset}
     * @throws TensorFileClosedException if the tensor's file was closed
     * @throws UncheckedIOException as {@link #data()}
     */
    public void copyInto(long[] dst, int offset) {
        Objects.requireNonNull(dst, "dst");
        int n = rawCount(8, "a long[]");
        checkRange(dst.length, offset, n);
        MemorySegment d = data();
        bulk(() -> MemorySegment.copy(d, I64_LE, 0, dst, offset, n));
    }

    /**
     * Copies F64 elements.
     *
     * @param dst the array to fill
     * @param offset the index in {@code dst} of the first element
     * @throws UnsupportedOperationException if the dtype is not F64, or the tensor is too large for an array
     * @throws IndexOutOfBoundsException if the elements do not fit {@code dst} from {@code offset}
     * @throws TensorFileClosedException if the tensor's file was closed
     * @throws UncheckedIOException as {@link #data()}
     */
    public void copyInto(double[] dst, int offset) {
        Objects.requireNonNull(dst, "dst");
        if (dtype != DType.F64) {
            throw unsupported("copying into a double[]", "F64 (use toDoubleArray() to widen)");
        }
        int n = arrayLength("a double[]");
        checkRange(dst.length, offset, n);
        MemorySegment d = data();
        bulk(() -> MemorySegment.copy(d, F64_LE, 0, dst, offset, n));
    }

    @Override
    public String toString() {
        return "Tensor[" + name + " " + dtype + Arrays.toString(shape) + (isView() ? " view" : "") + "]";
    }

    // --- internals --------------------------------------------------------------------------------

    private MemorySegment materialize() {
        long byteSize = byteSize();
        Arena a = origin.arena() != null ? origin.arena() : Arena.ofAuto();
        MemorySegment out;
        try {
            out = a.allocate(Math.max(byteSize, 1), 16).asSlice(0, byteSize);
        } catch (OutOfMemoryError e) {
            // A failed native allocation (not the heap): a view that repeats elements (stride 0) can
            // declare far more bytes than its file holds.
            throw new UnsupportedOperationException(where() + " is a view of " + byteSize + " bytes over a storage of "
                    + storageSize + "; the contiguous copy data() makes cannot be allocated (" + e.getMessage()
                    + "); read storage() with strides() instead", e);
        }
        StridedCopy.gather(storageSegment(), storageOffset(), shape, stridesArray(), dtype, storageByteOrder(), out);
        return out.asReadOnly();
    }

    private static boolean packsValues(DType dtype) {
        return dtype == DType.QUINT4X2 || dtype == DType.QUINT2X4;
    }

    private boolean needsSwap() {
        return rare != null && rare.order != ByteOrder.LITTLE_ENDIAN && dtype.byteOrderUnit() > 1;
    }

    private String where() {
        Path file = origin.file();
        return (file == null ? "" : file + ": ") + "tensor '" + name + "'";
    }

    private void checkOpen() {
        if (!origin.mapping().scope().isAlive()) {
            throw new TensorFileClosedException(origin.file(), "tensor '" + name + "'");
        }
    }

    /** Refuses before anything is allocated: a view can declare far more elements than its file holds. */
    private void checkWidensToFloat() {
        if (!dtype.isFloatingPoint() || dtype == DType.F64 || dtype.isSubByte()) {
            throw unsupported("widening to float", "F32, F16, BF16 and F8 types"
                    + (dtype == DType.F64 ? " (use toDoubleArray() for F64)" : ""));
        }
    }

    private void checkExact(Set<DType> takes, String what) {
        if (!takes.contains(dtype)) {
            throw unsupported("converting to " + what, "exactly " + takes);
        }
    }

    private int arrayLength(String what) {
        long numel = numel();
        if (numel > MAX_ARRAY) {
            throw tooLarge(what, numel + " elements", MAX_ARRAY + " elements");
        }
        return (int) numel;
    }

    private int rawCount(int width, String what) {
        if (dtype.byteSize() != width || dtype.kind() == DType.Kind.COMPLEX) {
            throw unsupported("copying into " + what, "dtypes of " + width + " bytes");
        }
        return arrayLength(what);
    }

    private void checkRange(int length, int offset, int n) {
        if (offset < 0 || offset > length || length - offset < n) {
            throw new IndexOutOfBoundsException(where() + ": " + n + " elements do not fit an array of length " + length
                    + " from offset " + offset);
        }
    }

    private void bulk(Runnable copy) {
        try {
            copy.run();
        } catch (IllegalStateException e) {
            throw closed(e);
        } catch (InternalError e) {
            throw changed(e);
        }
    }

    private TensorFileClosedException closed(IllegalStateException e) {
        return e instanceof TensorFileClosedException c ? c
                : new TensorFileClosedException(origin.file(), "tensor '" + name + "'", e);
    }

    private UncheckedIOException changed(InternalError e) {
        PtsafeException refusal = MappedFiles.changed(origin.file(), "tensor '" + name
                + "': the mapped file changed or was truncated while open", e);
        return new UncheckedIOException(refusal.getMessage(), refusal);
    }

    private UnsupportedOperationException tooLarge(String what, String seen, String limit) {
        return new UnsupportedOperationException(where() + " has " + seen + ", too large for " + what + " (at most "
                + limit + ")");
    }

    private UnsupportedOperationException unsupported(String op, String allowed) {
        return new UnsupportedOperationException(where() + " is " + dtype + "; " + op + " takes " + allowed);
    }

    /**
     * Describes a tensor over a storage. {@link #build()} checks every number: element count and
     * byte size in checked arithmetic, strides and offset non-negative, the view inside the storage.
     */
    public static final class Builder {
        private final String name;
        private final DType dtype;
        private final long[] shape;
        private MemorySegment storage;
        /** The origin of the tensor a view is made from: its storage lies in it. */
        private TensorOrigin origin;
        private long[] strides;
        private long storageOffset;
        private ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        private Arena arena;
        private Path file;
        private Quantization quantization;

        private Builder(String name, DType dtype, long[] shape, MemorySegment storage) {
            this.name = Objects.requireNonNull(name, "name");
            this.dtype = Objects.requireNonNull(dtype, "dtype");
            this.shape = Objects.requireNonNull(shape, "shape").clone();
            this.storage = Objects.requireNonNull(storage, "storage");
        }

        /**
         * Sets the strides in elements, one per dimension (default: contiguous row-major).
         *
         * @param strides the strides (copied)
         * @return this builder
         */
        public Builder strides(long... strides) {
            this.strides = strides.clone();
            return this;
        }

        /**
         * Sets the offset of the first element in the storage, in elements (default 0).
         *
         * @param elements the offset
         * @return this builder
         */
        public Builder storageOffset(long elements) {
            this.storageOffset = elements;
            return this;
        }

        /**
         * Sets the byte order of the storage (default little-endian).
         *
         * @param order the byte order
         * @return this builder
         */
        public Builder byteOrder(ByteOrder order) {
            this.order = Objects.requireNonNull(order, "order");
            return this;
        }

        /**
         * Sets where copies of views are allocated: the file's arena, so they are freed with it. When it
         * is the arena ptsafe opened the file in, the tensor also shares what the file's other tensors
         * share (the mapping its storage lies in, an equal shape), and keeps less heap.
         *
         * @param arena the arena
         * @return this builder
         */
        public Builder arena(Arena arena) {
            this.arena = arena;
            return this;
        }

        /**
         * Sets the file, for error messages.
         *
         * @param file the file the tensor was read from
         * @return this builder
         */
        public Builder file(Path file) {
            this.file = file;
            return this;
        }

        /**
         * Sets how the integers of a quantized dtype map to real numbers (default: none).
         *
         * @param quantization the scale and zero point, or null
         * @return this builder
         */
        public Builder quantization(Quantization quantization) {
            this.quantization = quantization;
            return this;
        }

        /**
         * Checks the shape, strides and offset against the storage, and a quantization against the
         * dtype and shape, and builds the tensor.
         *
         * @return the tensor
         * @throws PtsafeException if a dimension is negative, sizes overflow, the view reaches outside the storage,
         *         or the quantization does not fit the tensor
         */
        public Tensor build() throws PtsafeException {
            checkQuantization();
            long numel = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where() + ": negative dimension " + d
                            + " in shape " + Arrays.toString(shape));
                }
                numel = mul(numel, d);
            }
            long bits = mul(numel, dtype.bits());
            if (bits % 8 != 0) {
                throw new PtsafeException(Reason.MISALIGNED_SLICE, file, where() + ": " + numel + " elements of " + dtype
                        + " are " + bits + " bits, not a whole number of bytes");
            }
            long byteSize = bits / 8;
            // Without strides given (every provider's tensor), the row-major ones are neither kept nor
            // needed: they are only checked to stay within 64 bits, as when they are made for a comparison.
            long[] contiguousStrides = strides == null ? null : new long[shape.length];
            long acc = 1;
            for (int i = shape.length - 1; i >= 0; i--) {
                if (contiguousStrides != null) {
                    contiguousStrides[i] = acc;
                }
                acc = shape[i] == 0 ? acc : mul(acc, shape[i]);
            }
            if (strides != null && strides.length != shape.length) {
                throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where() + ": " + strides.length
                        + " strides for " + shape.length + " dimensions");
            }
            if (storageOffset < 0) {
                throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where() + ": negative storage offset "
                        + storageOffset);
            }
            boolean contiguous = true;
            long lastElement = 0; // offset of the last element relative to storageOffset
            if (strides == null) {
                // Row-major: the last element is numel - 1 (each (d - 1) x stride is within numel, so is their sum).
                lastElement = numel > 0 ? numel - 1 : 0;
            } else {
                for (int i = 0; i < shape.length; i++) {
                    if (strides[i] < 0) {
                        throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where() + ": negative stride "
                                + strides[i] + " in dimension " + i);
                    }
                    if (shape[i] != 1 && strides[i] != contiguousStrides[i]) {
                        contiguous = false;
                    }
                    if (numel > 0) {
                        lastElement = add(lastElement, mul(shape[i] - 1, strides[i]));
                    }
                }
            }
            if (numel == 0) {
                contiguous = true;
            }
            long[] keptStrides = strides == null ? null : kept(contiguousStrides);
            if (dtype.isSubByte()) {
                if (!contiguous || storageOffset != 0) {
                    throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where() + ": " + dtype
                            + " tensors must be contiguous from the start of their storage");
                }
                if (byteSize > storage.byteSize()) {
                    throw outOfBounds(byteSize, storage.byteSize());
                }
                return tensor(true, keptStrides);
            }
            long item = dtype.byteSize();
            long endBytes = numel == 0 ? 0 : mul(add(add(storageOffset, lastElement), 1), item);
            if (endBytes > storage.byteSize()) {
                throw outOfBounds(endBytes, storage.byteSize());
            }
            return tensor(contiguous, keptStrides);
        }

        /**
         * The validated tensor, as compact as it can be: in the file's shared origin when its storage
         * lies in the file's mapping (the arena is the file's {@link FileArena}), with the file's
         * shared array of its shape, and with a {@link Rare} only when it has something rare.
         */
        private Tensor tensor(boolean contiguous, long[] keptStrides) {
            TensorOrigin o = origin;
            long[] s = shape;
            if (o == null && arena instanceof FileArena f) {
                // A provider's tensor (a view has its tensor's origin, and is not interned: views are
                // made by callers' threads, the table is the opening thread's)
                if (f.origin() != null && Objects.equals(file, f.origin().file())) {
                    o = f.origin();
                }
                s = f.intern(shape);
            }
            long start = o == null || !Objects.equals(file, o.file()) ? -1 : o.offsetOf(storage);
            if (start < 0) {
                o = new TensorOrigin(storage, arena, file);
                start = 0;
            }
            Rare r = keptStrides == null && storageOffset == 0 && order == ByteOrder.LITTLE_ENDIAN
                    && quantization == null && contiguous
                    ? null : new Rare(keptStrides, storageOffset, order, quantization, contiguous);
            return new Tensor(name, dtype, s, o, start, storage.byteSize(), r);
        }

        /** The strides to keep: none when they are the row-major ones (24 to 80 bytes a tensor saved). */
        private long[] kept(long[] rowMajor) {
            return Arrays.equals(strides, rowMajor) ? null : strides;
        }

        private void checkQuantization() throws PtsafeException {
            if (quantization == null) {
                return;
            }
            if (dtype.kind() != DType.Kind.QUANTIZED) {
                throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where() + ": a " + dtype
                        + " tensor cannot be quantized (" + quantization.scheme() + ")");
            }
            if (quantization instanceof Quantization.PerChannelAffine p) {
                if (p.axis() >= shape.length) {
                    throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where() + ": per-channel axis "
                            + p.axis() + " is outside the " + shape.length + " dimensions");
                }
                // A packed dtype's last dimension counts bytes, its channels count values.
                boolean packedAxis = packsValues(dtype) && p.axis() == shape.length - 1;
                if (!packedAxis && p.channels() != shape[p.axis()]) {
                    throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where() + ": " + p.channels()
                            + " per-channel scales for size " + shape[p.axis()] + " along axis " + p.axis());
                }
            }
        }

        /** "tensor 'w'", for messages: made only when one is written. */
        private String where() {
            return "tensor '" + name + "'";
        }

        private PtsafeException outOfBounds(long end, long size) {
            return new PtsafeException(Reason.VIEW_OUT_OF_BOUNDS, file, where() + ": " + dtype + Arrays.toString(shape)
                    + " with strides " + Arrays.toString(strides) + " and storage offset " + storageOffset
                    + " reaches byte " + end + " of a storage of " + size + " bytes");
        }

        private long mul(long a, long b) throws PtsafeException {
            try {
                return Math.multiplyExact(a, b);
            } catch (ArithmeticException e) {
                throw new PtsafeException(Reason.VALIDATION_OVERFLOW, file, where() + ": " + a + " x " + b
                        + " overflows 64 bits (shape " + Arrays.toString(shape) + ")");
            }
        }

        private long add(long a, long b) throws PtsafeException {
            try {
                return Math.addExact(a, b);
            } catch (ArithmeticException e) {
                throw new PtsafeException(Reason.VALIDATION_OVERFLOW, file, where() + ": " + a + " + " + b
                        + " overflows 64 bits");
            }
        }
    }
}
