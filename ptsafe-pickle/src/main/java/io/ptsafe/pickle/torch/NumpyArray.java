package io.ptsafe.pickle.torch;

import io.ptsafe.DType;
import io.ptsafe.Limit;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.pickle.machine.Buildable;
import io.ptsafe.pickle.machine.Call;
import io.ptsafe.pickle.machine.GlobalRef;
import io.ptsafe.pickle.machine.ListObj;
import io.ptsafe.pickle.machine.TupleObj;
import io.ptsafe.pickle.machine.Values;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A numpy array as its pickle builds it: {@code _reconstruct(numpy.ndarray, (0,), b'b')} makes an
 * empty array (REDUCE), BUILD sets {@code (1, shape, dtype, is_fortran, rawdata)}: what numpy 1.24's
 * {@code array_reduce} (numpy/core/src/multiarray/methods.c) writes for an array whose dtype holds
 * no Python objects, the bytes of the array in C order, or in Fortran order when
 * {@code is_fortran}. {@code array_setstate} refuses a rawdata whose length is not the array's byte
 * count ("buffer size does not match array size", checked with numpy 1.24), and so does ptsafe.
 *
 * <p>The array becomes a {@link io.ptsafe.Tensor} ({@link TensorTree}): its bytes are copied once into
 * the file's arena (torch pickles with protocol 2, where bytes are a latin-1 string re-encoded by
 * {@code _codecs.encode}, so they are never a slice of the pickle), big-endian ones swapped by the
 * tensor on reading, a Fortran-order array presented as a strided view of its bytes (gathered on
 * the first {@code data()}, like any strided tensor).
 */
final class NumpyArray implements Buildable {
    private DType dtype;
    private ByteOrder order;
    private long[] shape;
    private long[] strides;
    private PyValue.Bytes raw;
    private MemorySegment segment;

    private NumpyArray() {
    }

    /** {@code _reconstruct(numpy.ndarray, (0,), b'b')}: only what numpy's own {@code __reduce__} writes. */
    static NumpyArray reconstruct(Call c) throws PtsafeException {
        List<Object> a = c.args();
        if (a.size() != 3 || !(a.get(0) instanceof GlobalRef cls) || !(a.get(1) instanceof TupleObj shape)
                || !(a.get(2) instanceof PyValue.Bytes code)) {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "takes (numpy.ndarray, (0,), b'b') as numpy writes it, got "
                    + a.size() + " arguments");
        }
        if (!cls.name().equals("numpy.ndarray")) {
            throw c.fail(Reason.UNSUPPORTED_FORMAT, "numpy array subclass " + cls.name() + " is not supported");
        }
        if (shape.size() != 1 || !(shape.get(0) instanceof PyValue.Int z) || z.value().signum() != 0
                || code.value().length != 1 || code.value()[0] != 'b') {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "takes (numpy.ndarray, (0,), b'b') as numpy writes it");
        }
        return new NumpyArray();
    }

    @Override
    public Object build(Object state, Call c) throws PtsafeException {
        if (dtype != null) {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "numpy array built twice");
        }
        if (!(state instanceof TupleObj t) || t.size() != 5 || !(t.get(0) instanceof PyValue.Int v)
                || v.value().intValue() != 1 || v.value().bitLength() > 31) {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "numpy array state must be (1, shape, dtype, is_fortran, "
                    + "rawdata) as numpy writes it, got " + Values.typeName(state)
                    + (state instanceof TupleObj t ? " of " + t.size() + " items" : ""));
        }
        if (!(t.get(2) instanceof NumpyDType d)) {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "numpy array dtype must be a numpy.dtype, got "
                    + Values.typeName(t.get(2)));
        }
        DType type = d.dtype(c);
        if (!(t.get(3) instanceof PyValue.Bool fortran)) {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "numpy array is_fortran must be a bool, got "
                    + Values.typeName(t.get(3)));
        }
        if (!(t.get(4) instanceof PyValue.Bytes bytes) || bytes.mutable()) {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "numpy array data must be bytes, got "
                    + Values.typeName(t.get(4)) + (t.get(4) instanceof ListObj ? " (an object array's items)" : ""));
        }
        long[] dims = dims(c, t.get(1));
        // A transient copy (PyValue.Bytes hands out copies only); the value itself is charged to the budget.
        long length = bytes.value().length;
        long itemsize = type.byteSize();
        long nbytes = itemsize;
        long[] st = new long[dims.length];
        try {
            for (long n : dims) {
                nbytes = Math.multiplyExact(nbytes, n);
            }
        } catch (ArithmeticException e) {
            throw c.fail(Reason.VALIDATION_OVERFLOW, "numpy array of shape " + java.util.Arrays.toString(dims)
                    + ": its byte count overflows 64 bits (it holds " + length + " bytes)");
        }
        if (nbytes != length) {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "numpy array of shape " + java.util.Arrays.toString(dims)
                    + " and dtype '" + d.code() + "' needs " + nbytes + " bytes, its data holds " + length
                    + " (numpy's array_setstate refuses this too)");
        }
        // Strides in elements; every product is at most nbytes, so none overflows.
        long acc = 1;
        for (int k = 0; k < dims.length; k++) {
            int i = fortran.value() ? k : dims.length - 1 - k;
            st[i] = acc;
            acc *= Math.max(dims[i], 1);
        }
        this.dtype = type;
        this.order = d.order();
        this.shape = dims;
        this.strides = st;
        this.raw = bytes;
        return this;
    }

    private static long[] dims(Call c, Object v) throws PtsafeException {
        if (!(v instanceof TupleObj t)) {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "numpy array shape must be a tuple of ints, got "
                    + Values.typeName(v));
        }
        int max = c.options().maxRank();
        if (t.size() > max) {
            throw Limit.MAX_RANK.exceeded(c.file(), c.place() + ": numpy array shape of " + t.size() + " dimensions",
                    t.size(), max);
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof PyValue.Int n) || n.value().signum() < 0 || n.value().bitLength() > 63) {
                throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "numpy array shape must be a tuple of ints from 0 to "
                        + Long.MAX_VALUE + ", item " + i + " is " + Values.typeName(t.get(i)));
            }
            out[i] = n.value().longValue();
        }
        return out;
    }

    boolean built() {
        return dtype != null;
    }

    DType dtype() {
        return dtype;
    }

    ByteOrder order() {
        return order;
    }

    long[] shape() {
        return shape.clone();
    }

    long[] strides() {
        return strides.clone();
    }

    /** The array's bytes, copied once into {@code arena} (the same segment for every name of the array). */
    MemorySegment segment(Arena arena) {
        if (segment == null) {
            byte[] b = raw.value();
            segment = arena.allocate(Math.max(b.length, 1), 16).asSlice(0, b.length);
            MemorySegment.copy(b, 0, segment, ValueLayout.JAVA_BYTE, 0, b.length);
        }
        return segment;
    }

    @Override
    public String toString() {
        return dtype == null ? "numpy.ndarray (no state)" : "numpy.ndarray of " + dtype + java.util.Arrays.toString(shape);
    }
}
