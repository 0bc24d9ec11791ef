package io.ptsafe.pickle.torch;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.pickle.machine.Call;
import io.ptsafe.pickle.machine.Meaning;
import io.ptsafe.pickle.machine.Values;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The numpy names a checkpoint holding numpy arrays and scalars uses, each decoded as data and never
 * run: {@code numpy.ndarray} (a name only), {@code numpy.dtype} ({@link NumpyDType}),
 * {@code _reconstruct} ({@link NumpyArray}) and {@code scalar}, the last two under numpy 1's module
 * {@code numpy.core.multiarray} and numpy 2's {@code numpy._core.multiarray}.
 */
final class NumpyMeanings {
    private static final List<String> MODULES = List.of("numpy.core.multiarray", "numpy._core.multiarray");

    private NumpyMeanings() {
    }

    /** Every numpy name by its global name; {@code count} counts each array against the tensor limit. */
    static Map<String, Meaning> all(TensorMeanings count) {
        Map<String, Meaning> m = new LinkedHashMap<>();
        m.put("numpy.ndarray", Meaning.dataOnly());
        m.put("numpy.dtype", new Meaning() {
            @Override
            public Object call(Call c) throws PtsafeException {
                return NumpyDType.create(c);
            }
        });
        for (String module : MODULES) {
            m.put(module + "._reconstruct", new Meaning() {
                @Override
                public Object call(Call c) throws PtsafeException {
                    count.count(c);
                    return NumpyArray.reconstruct(c);
                }
            });
            m.put(module + ".scalar", new Meaning() {
                @Override
                public Object call(Call c) throws PtsafeException {
                    return scalar(c);
                }
            });
        }
        return m;
    }

    /**
     * {@code scalar(dtype, bytes)}: numpy's {@code genericType} {@code __reduce__} (scalartypes.c)
     * writes the dtype and the value's bytes. numpy accepts longer bytes and ignores the rest; ptsafe
     * takes exactly the item's size.
     */
    static PyValue scalar(Call c) throws PtsafeException {
        List<Object> a = c.args();
        if (a.size() != 2 || !(a.get(0) instanceof NumpyDType d) || !(a.get(1) instanceof PyValue.Bytes bytes)) {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "takes (numpy.dtype, bytes) as numpy writes a scalar, got "
                    + a.size() + " arguments" + (a.isEmpty() ? "" : ", the first " + Values.typeName(a.get(0))));
        }
        DType type = d.dtype(c);
        byte[] b = bytes.value();
        if (b.length != type.byteSize()) {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "a numpy scalar of dtype '" + d.code() + "' needs "
                    + type.byteSize() + " bytes, got " + b.length);
        }
        ByteBuffer buf = ByteBuffer.wrap(b).order(d.order());
        return switch (type) {
            case BOOL -> new PyValue.Bool(b[0] != 0);
            case I8 -> PyValue.Int.of(buf.get());
            case U8 -> PyValue.Int.of(buf.get() & 0xFF);
            case I16 -> PyValue.Int.of(buf.getShort());
            case U16 -> PyValue.Int.of(buf.getShort() & 0xFFFF);
            case I32 -> PyValue.Int.of(buf.getInt());
            case U32 -> PyValue.Int.of(buf.getInt() & 0xFFFF_FFFFL);
            case I64 -> PyValue.Int.of(buf.getLong());
            case U64 -> new PyValue.Int(new BigInteger(Long.toUnsignedString(buf.getLong())));
            case F16 -> new PyValue.Float(Float.float16ToFloat(buf.getShort()));
            case F32 -> new PyValue.Float(buf.getFloat());
            case F64 -> new PyValue.Float(buf.getDouble());
            case C64 -> new PyValue.Complex(buf.getFloat(), buf.getFloat());
            case C128 -> new PyValue.Complex(buf.getDouble(), buf.getDouble());
            default -> throw c.fail(Reason.UNSUPPORTED_FORMAT, "numpy scalars of " + type + " are not supported");
        };
    }
}
