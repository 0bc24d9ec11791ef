package io.ptsafe;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

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
 * <p>Thread-safe. Every read after the file is closed throws {@link TensorFileClosedException};
 * the memory behind a closed file is never touched.
 */
public final class Tensor {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Largest Java array ptsafe fills (what common JVMs allow). */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final long[] strides;
    private final long storageOffset;
    private final MemorySegment storage;
    private final ByteOrder order;
    private final Arena arena;
    private final Path file;
    private final Quantization quantization;
    private final long numel;
    private final long byteSize;
    private final boolean contiguous;
    private volatile MemorySegment data;

    private Tensor(Builder b, long numel, long byteSize, boolean contiguous) {
        this.name = b.name;
        this.dtype = b.dtype;
        this.shape = b.shape;
        this.strides = b.strides;
        this.storageOffset = b.storageOffset;
        this.storage = b.storage.isReadOnly() ? b.storage : b.storage.asReadOnly();
        this.order = b.order;
        this.arena = b.arena;
        this.file = b.file;
        this.quantization = b.quantization;
        this.numel = numel;
        this.byteSize = byteSize;
        this.contiguous = contiguous;
    }

    /**
     * Starts a tensor over {@code storage}. Without strides it is contiguous row-major from
     * {@code storageOffset}; the storage must hold it ({@link Builder#build()} checks).
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
     * A contiguous little-endian tensor whose bytes are exactly {@code data}.
     *
     * @param name the tensor's name
     * @param dtype the element type
     * @param shape the sizes of the dimensions (copied)
     * @param data the tensor's bytes, exactly as many as shape and dtype need
     * @return the tensor
     * @throws PtsafeException if the shape is invalid or {@code data} is not exactly the size it needs
     */
    public static Tensor of(String name, DType dtype, long[] shape, MemorySegment data) throws PtsafeException {
        Tensor t = builder(name, dtype, shape, data).build();
        if (t.byteSize != data.byteSize()) {
            throw new PtsafeException(Reason.TENSOR_INVALID_INFO, null, "tensor '" + name + "': " + dtype
                    + Arrays.toString(shape) + " needs " + t.byteSize + " bytes, the segment has " + data.byteSize());
        }
        return t;
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
    public long numel() { return numel; }
    /** {@return the bytes of {@link #data()}: numel times the dtype's bits, over 8} */
    public long byteSize() { return byteSize; }
    /** {@return the strides in elements, as torch gives them} A copy. */
    public long[] strides() { return strides.clone(); }
    /** {@return the offset of the first element in the storage, in elements} */
    public long storageOffset() { return storageOffset; }
    /** {@return the byte order of {@link #storage()} (big-endian only for torch files saved on big-endian machines)} */
    public ByteOrder storageByteOrder() { return order; }
    /** {@return the file this tensor was read from, or null for an in-memory tensor} */
    public Path file() { return file; }

    /**
     * {@return how a quantized tensor's integers map to real numbers (scale and zero point, per tensor
     * or per channel); empty for tensors that are not quantized} {@link #data()} holds the integers.
     */
    public Optional<Quantization> quantization() { return Optional.ofNullable(quantization); }

    /** {@return whether {@link #data()} needs a copy: a strided view, or a storage that is not little-endian} */
    public boolean isView() {
        return !contiguous || needsSwap();
    }

    /**
     * The whole storage this tensor views (read-only), possibly shared with other tensors.
     *
     * @return the storage
     * @throws TensorFileClosedException if the tensor's file was closed
     */
    public MemorySegment storage() throws TensorFileClosedException {
        checkOpen();
        return storage;
    }

    /**
     * The tensor's bytes: read-only, little-endian, row-major, contiguous, exactly
     * {@link #byteSize()} long. Zero-copy unless {@link #isView()}.
     *
     * @return the bytes
     * @throws PtsafeException if the tensor's file was closed or changed while it was read
     */
    public MemorySegment data() throws PtsafeException {
        MemorySegment d = data;
        if (d != null) {
            checkOpen();
            return d;
        }
        synchronized (this) {
            if (data == null) {
                checkOpen();
                try {
                    if (byteSize == 0) {
                        data = storage.asSlice(0, 0);
                    } else {
                        data = isView() ? materialize() : storage.asSlice(storageOffset * dtype.byteSize(), byteSize);
                    }
                } catch (IllegalStateException e) {
                    throw closed(e);
                } catch (InternalError e) {
                    throw changed(e);
                }
            }
            return data;
        }
    }

    /**
     * {@link #data()} as a read-only little-endian ByteBuffer; tensors over 2 GiB are refused.
     *
     * @return the buffer
     * @throws PtsafeException if the tensor is over 2 GiB, or its file was closed or changed
     */
    public ByteBuffer asByteBuffer() throws PtsafeException {
        if (byteSize > Integer.MAX_VALUE) {
            throw tooLarge("a ByteBuffer", byteSize + " bytes", Integer.MAX_VALUE + " bytes; use data() instead");
        }
        return data().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * A zero-copy view of rows {@code [start, end)} of the first dimension, as safetensors'
     * {@code get_slice} gives: the same storage, a shorter first dimension. A {@link #quantization()}
     * is kept; per-channel along dimension 0, its scales and zero points are sliced alike.
     *
     * @param start the first row, inclusive
     * @param end the last row, exclusive
     * @return the view
     * @throws PtsafeException if the tensor is 0-dim, the range is outside the first dimension, or the file was closed
     */
    public Tensor slice(long start, long end) throws PtsafeException {
        if (shape.length == 0) {
            throw new PtsafeException(Reason.BAD_ARGUMENT, file, "tensor '" + name + "' is 0-dim and cannot be sliced");
        }
        if (start < 0 || end < start || end > shape[0]) {
            throw new PtsafeException(Reason.BAD_ARGUMENT, file, "tensor '" + name + "': slice [" + start + ", "
                    + end + ") is outside the first dimension of size " + shape[0]);
        }
        checkOpen();
        long[] s = shape.clone();
        s[0] = end - start;
        Quantization q = sliceQuantization(start, end);
        if (dtype.isSubByte()) {
            // Packed tensors are contiguous from byte 0 of their storage (build() enforces it), and
            // numel * bits fits 64 bits, so these products cannot overflow.
            long rowBits = numel == 0 ? 0 : numel / shape[0] * dtype.bits();
            if (start * rowBits % 8 != 0 || end * rowBits % 8 != 0) {
                throw new PtsafeException(Reason.MISALIGNED_SLICE, file, "tensor '" + name + "': rows [" + start + ", "
                        + end + ") of " + dtype + " do not start and end on a byte");
            }
            return new Builder(name, dtype, s, storage.asSlice(start * rowBits / 8)).byteOrder(order).arena(arena)
                    .file(file).quantization(q).build();
        }
        return new Builder(name, dtype, s, storage).byteOrder(order).arena(arena).file(file).quantization(q)
                .storageOffset(storageOffset + start * strides[0]).strides(strides.clone()).build();
    }

    private Quantization sliceQuantization(long start, long end) throws PtsafeException {
        if (!(quantization instanceof Quantization.PerChannelAffine p) || p.axis() != 0) {
            return quantization;
        }
        if (packsValues(dtype) && shape.length == 1) {
            // Dimension 0 is then counted in bytes but its channels in packed values.
            throw new PtsafeException(Reason.BAD_ARGUMENT, file, "tensor '" + name + "': a 1-dimensional " + dtype
                    + " tensor quantized per channel cannot be sliced (its channels are packed values, its rows bytes)");
        }
        return new Quantization.PerChannelAffine(p.scales().slice(start, end), p.zeroPoints().slice(start, end), 0);
    }

    // --- copies into Java arrays ------------------------------------------------------------------

    /**
     * The elements widened to float: F32, F16, BF16 and every F8 variant. Other dtypes are refused.
     *
     * @return a new array of {@link #numel()} floats
     * @throws PtsafeException if the dtype does not widen to float, the tensor is too large for an array,
     *         or its file was closed or changed
     */
    public float[] toFloatArray() throws PtsafeException {
        checkWidensToFloat();
        float[] out = new float[arrayLength("a float[]")];
        copyInto(out, 0);
        return out;
    }

    /**
     * The elements widened to double: F64, F32, F16, BF16 and every F8 variant.
     *
     * @return a new array of {@link #numel()} doubles
     * @throws PtsafeException if the dtype does not widen to double, the tensor is too large for an array,
     *         or its file was closed or changed
     */
    public double[] toDoubleArray() throws PtsafeException {
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
     * Widens the elements to float into {@code dst} from {@code offset} (see {@link #toFloatArray()}).
     *
     * @param dst the array to fill
     * @param offset the index in {@code dst} of the first element
     * @throws PtsafeException if the dtype does not fit the array type, {@code dst} is too short,
     *         or the file was closed or changed
     */
    public void copyInto(float[] dst, int offset) throws PtsafeException {
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
     * @throws PtsafeException if the dtype does not fit the array type, {@code dst} is too short,
     *         or the file was closed or changed
     */
    public void copyInto(byte[] dst, int offset) throws PtsafeException {
        Objects.requireNonNull(dst, "dst");
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
     * @throws PtsafeException if the dtype does not fit the array type, {@code dst} is too short,
     *         or the file was closed or changed
     */
    public void copyInto(short[] dst, int offset) throws PtsafeException {
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
     * @throws PtsafeException if the dtype does not fit the array type, {@code dst} is too short,
     *         or the file was closed or changed
     */
    public void copyInto(int[] dst, int offset) throws PtsafeException {
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
     * @throws PtsafeException if the dtype does not fit the array type, {@code dst} is too short,
     *         or the file was closed or changed
     */
    public void copyInto(long[] dst, int offset) throws PtsafeException {
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
     * @throws PtsafeException if the dtype does not fit the array type, {@code dst} is too short,
     *         or the file was closed or changed
     */
    public void copyInto(double[] dst, int offset) throws PtsafeException {
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

    private MemorySegment materialize() throws PtsafeException {
        Arena a = arena != null ? arena : Arena.ofAuto();
        MemorySegment out;
        try {
            out = a.allocate(Math.max(byteSize, 1), 16).asSlice(0, byteSize);
        } catch (OutOfMemoryError e) {
            // A failed native allocation (not the heap): a view that repeats elements (stride 0) can
            // declare far more bytes than its file holds.
            throw new PtsafeException(Reason.TOO_LARGE_FOR_JAVA, file, "tensor '" + name + "' is a view of "
                    + byteSize + " bytes over a storage of " + storage.byteSize() + "; the contiguous copy data() "
                    + "makes cannot be allocated (" + e.getMessage() + "); read storage() with strides() instead", e);
        }
        StridedCopy.gather(storage, storageOffset, shape, strides, dtype, order, out);
        return out.asReadOnly();
    }

    private static boolean packsValues(DType dtype) {
        return dtype == DType.QUINT4X2 || dtype == DType.QUINT2X4;
    }

    private boolean needsSwap() {
        return order != ByteOrder.LITTLE_ENDIAN && dtype.byteOrderUnit() > 1;
    }

    private void checkOpen() throws TensorFileClosedException {
        if (!storage.scope().isAlive()) {
            throw new TensorFileClosedException(file, "tensor '" + name + "'");
        }
    }

    /** Refuses before anything is allocated: a view can declare far more elements than its file holds. */
    private void checkWidensToFloat() throws PtsafeException {
        if (!dtype.isFloatingPoint() || dtype == DType.F64 || dtype.isSubByte()) {
            throw unsupported("widening to float", "F32, F16, BF16 and F8 types"
                    + (dtype == DType.F64 ? " (use toDoubleArray() for F64)" : ""));
        }
    }

    private int arrayLength(String what) throws PtsafeException {
        if (numel > MAX_ARRAY) {
            throw tooLarge(what, numel + " elements", MAX_ARRAY + " elements");
        }
        return (int) numel;
    }

    private int rawCount(int width, String what) throws PtsafeException {
        if (dtype.byteSize() != width || dtype.kind() == DType.Kind.COMPLEX) {
            throw unsupported("copying into " + what, "dtypes of " + width + " bytes");
        }
        return arrayLength(what);
    }

    private void checkRange(int length, int offset, int n) throws PtsafeException {
        if (offset < 0 || offset > length || length - offset < n) {
            throw new PtsafeException(Reason.BAD_ARGUMENT, file, "tensor '" + name + "': " + n
                    + " elements do not fit an array of length " + length + " from offset " + offset);
        }
    }

    private interface Copy {
        void run();
    }

    private void bulk(Copy copy) throws PtsafeException {
        try {
            copy.run();
        } catch (IllegalStateException e) {
            throw closed(e);
        } catch (InternalError e) {
            throw changed(e);
        }
    }

    private PtsafeException closed(IllegalStateException e) {
        return new TensorFileClosedException(file, "tensor '" + name + "'", e);
    }

    private PtsafeException changed(InternalError e) {
        return new PtsafeException(Reason.FILE_CHANGED, file, "tensor '" + name
                + "': the mapped file changed or was truncated while open (" + e.getMessage() + ")", e);
    }

    private PtsafeException tooLarge(String what, String seen, String limit) {
        return new PtsafeException(Reason.TOO_LARGE_FOR_JAVA, file, "tensor '" + name + "' has " + seen
                + ", too large for " + what + " (at most " + limit + ")");
    }

    private PtsafeException unsupported(String op, String allowed) {
        return new PtsafeException(Reason.UNSUPPORTED_DTYPE_OPERATION, file, "tensor '" + name + "' is " + dtype
                + "; " + op + " takes " + allowed);
    }

    /**
     * Describes a tensor over a storage. {@link #build()} checks every number: element count and
     * byte size in checked arithmetic, strides and offset non-negative, the view inside the storage.
     */
    public static final class Builder {
        private final String name;
        private final DType dtype;
        private final long[] shape;
        private final MemorySegment storage;
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
         * Sets where copies of views are allocated: the file's arena, so they are freed with it.
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
            String where = "tensor '" + name + "'";
            checkQuantization(where);
            long numel = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where + ": negative dimension " + d
                            + " in shape " + Arrays.toString(shape));
                }
                numel = mul(numel, d, where);
            }
            long bits = mul(numel, dtype.bits(), where);
            if (bits % 8 != 0) {
                throw new PtsafeException(Reason.MISALIGNED_SLICE, file, where + ": " + numel + " elements of " + dtype
                        + " are " + bits + " bits, not a whole number of bytes");
            }
            long byteSize = bits / 8;
            long[] contiguousStrides = new long[shape.length];
            long acc = 1;
            for (int i = shape.length - 1; i >= 0; i--) {
                contiguousStrides[i] = acc;
                acc = shape[i] == 0 ? acc : mul(acc, shape[i], where);
            }
            if (strides == null) {
                strides = contiguousStrides;
            } else if (strides.length != shape.length) {
                throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where + ": " + strides.length
                        + " strides for " + shape.length + " dimensions");
            }
            if (storageOffset < 0) {
                throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where + ": negative storage offset "
                        + storageOffset);
            }
            boolean contiguous = true;
            long lastElement = 0; // offset of the last element relative to storageOffset
            for (int i = 0; i < shape.length; i++) {
                if (strides[i] < 0) {
                    throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where + ": negative stride "
                            + strides[i] + " in dimension " + i);
                }
                if (shape[i] != 1 && strides[i] != contiguousStrides[i]) {
                    contiguous = false;
                }
                if (numel > 0) {
                    lastElement = add(lastElement, mul(shape[i] - 1, strides[i], where), where);
                }
            }
            if (numel == 0) {
                contiguous = true;
            }
            if (dtype.isSubByte()) {
                if (!contiguous || storageOffset != 0) {
                    throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where + ": " + dtype
                            + " tensors must be contiguous from the start of their storage");
                }
                if (byteSize > storage.byteSize()) {
                    throw outOfBounds(where, byteSize, storage.byteSize());
                }
                return new Tensor(this, numel, byteSize, true);
            }
            long item = dtype.byteSize();
            long endBytes = numel == 0 ? 0 : mul(add(add(storageOffset, lastElement, where), 1, where), item, where);
            if (endBytes > storage.byteSize()) {
                throw outOfBounds(where, endBytes, storage.byteSize());
            }
            return new Tensor(this, numel, byteSize, contiguous);
        }

        private void checkQuantization(String where) throws PtsafeException {
            if (quantization == null) {
                return;
            }
            if (dtype.kind() != DType.Kind.QUANTIZED) {
                throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where + ": a " + dtype
                        + " tensor cannot be quantized (" + quantization.scheme() + ")");
            }
            if (quantization instanceof Quantization.PerChannelAffine p) {
                if (p.axis() >= shape.length) {
                    throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where + ": per-channel axis "
                            + p.axis() + " is outside the " + shape.length + " dimensions");
                }
                // A packed dtype's last dimension counts bytes, its channels count values.
                boolean packedAxis = packsValues(dtype) && p.axis() == shape.length - 1;
                if (!packedAxis && p.channels() != shape[p.axis()]) {
                    throw new PtsafeException(Reason.INVALID_TENSOR_ARGUMENTS, file, where + ": " + p.channels()
                            + " per-channel scales for size " + shape[p.axis()] + " along axis " + p.axis());
                }
            }
        }

        private PtsafeException outOfBounds(String where, long end, long size) {
            return new PtsafeException(Reason.VIEW_OUT_OF_BOUNDS, file, where + ": " + dtype + Arrays.toString(shape)
                    + " with strides " + Arrays.toString(strides) + " and storage offset " + storageOffset
                    + " reaches byte " + end + " of a storage of " + size + " bytes");
        }

        private long mul(long a, long b, String where) throws PtsafeException {
            try {
                return Math.multiplyExact(a, b);
            } catch (ArithmeticException e) {
                throw new PtsafeException(Reason.VALIDATION_OVERFLOW, file, where + ": " + a + " x " + b
                        + " overflows 64 bits (shape " + Arrays.toString(shape) + ")");
            }
        }

        private long add(long a, long b, String where) throws PtsafeException {
            try {
                return Math.addExact(a, b);
            } catch (ArithmeticException e) {
                throw new PtsafeException(Reason.VALIDATION_OVERFLOW, file, where + ": " + a + " + " + b
                        + " overflows 64 bits");
            }
        }
    }
}
