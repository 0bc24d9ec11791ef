package io.ptsafe.pickle.torch;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.pickle.machine.Buildable;
import io.ptsafe.pickle.machine.Call;
import io.ptsafe.pickle.machine.TupleObj;
import io.ptsafe.pickle.machine.Values;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * A numpy dtype as its pickle builds it: {@code numpy.dtype(code, False, True)} (REDUCE), then BUILD
 * with {@code (3, endian, None, None, None, -1, -1, 0)}. numpy 1.24's {@code arraydescr_reduce}
 * (numpy/core/src/multiarray/descriptor.c) writes exactly this for a plain numeric dtype: the
 * type's kind and size as {@code code}, {@code align=False, copy=True}, state version 3, the byte
 * order ({@code '|'} for one-byte types), no subarray, names or fields, elsize and alignment -1 (not
 * a flexible type) and flags 0 (holds no Python objects). Only the numeric and bool codes are known;
 * every other dtype (object {@code O}, structured {@code V}, strings {@code U}/{@code S}, datetimes
 * {@code M}/{@code m}, {@code f16} long double) is refused by its code, and so is any state numpy
 * would not write for a numeric dtype (version 4 metadata, fields, a flexible size).
 */
public final class NumpyDType implements Buildable {
    /** numpy's {@code kind + itemsize} codes of the dtypes ptsafe holds, as {@code dtype.__reduce__} writes them. */
    static final Map<String, DType> CODES = Map.ofEntries(
            Map.entry("b1", DType.BOOL), Map.entry("i1", DType.I8), Map.entry("u1", DType.U8),
            Map.entry("i2", DType.I16), Map.entry("u2", DType.U16), Map.entry("f2", DType.F16),
            Map.entry("i4", DType.I32), Map.entry("u4", DType.U32), Map.entry("f4", DType.F32),
            Map.entry("i8", DType.I64), Map.entry("u8", DType.U64), Map.entry("f8", DType.F64),
            Map.entry("c8", DType.C64), Map.entry("c16", DType.C128));

    private final String code;
    private final DType dtype;
    private ByteOrder order;

    private NumpyDType(String code, DType dtype) {
        this.code = code;
        this.dtype = dtype;
    }

    /** {@code numpy.dtype(code, align, copy)}. */
    static NumpyDType create(Call c) throws PtsafeException {
        List<Object> args = c.args();
        if (args.size() != 3 || !(args.get(0) instanceof PyValue.Str code) || !(args.get(1) instanceof PyValue.Bool)
                || !(args.get(2) instanceof PyValue.Bool)) {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "a numpy dtype must be built from (str code, bool align, "
                    + "bool copy), as numpy's dtype.__reduce__ writes it; got " + describe(args));
        }
        DType dtype = CODES.get(code.value());
        if (dtype == null) {
            throw c.fail(Reason.UNSUPPORTED_FORMAT, "numpy dtype '" + clip(code.value()) + "' is not numeric data ("
                    + kind(code.value()) + "); ptsafe decodes numpy arrays and scalars of bool, int8..int64, "
                    + "uint8..uint64, float16/32/64 and complex64/128 only");
        }
        return new NumpyDType(code.value(), dtype);
    }

    /**
     * The one mapping of numpy's codes, shared with the {@code .npy} reader (io.ptsafe.pickle.npy).
     *
     * @param code numpy's kind and item size, e.g. {@code f4}, {@code b1}, {@code c16}
     * @return ptsafe's dtype for it, or null when it is no numeric or bool dtype
     */
    public static DType numeric(String code) {
        return CODES.get(code);
    }

    /**
     * {@return what a code {@link #numeric} does not know holds, for messages ("strings", "datetimes")}
     *
     * @param code numpy's kind and item size
     */
    public static String kind(String code) {
        if (code.isEmpty()) {
            return "an empty code";
        }
        return switch (code.charAt(0)) {
            case 'O' -> "Python objects, which only a pickle could decode";
            case 'V' -> "a structured or void dtype";
            case 'U', 'S', 'a' -> "strings";
            case 'M', 'm' -> "datetimes";
            case 'f', 'c' -> "a long double, whose layout depends on the platform that wrote it";
            default -> "an unknown type code";
        };
    }

    // arraydescr_setstate accepts other versions and shapes of state; ptsafe takes what __reduce__ writes.
    @Override
    public Object build(Object state, Call c) throws PtsafeException {
        if (order != null) {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "numpy dtype '" + code + "' built twice");
        }
        if (!(state instanceof TupleObj t) || t.size() != 8 || !isInt(t.get(0), 3)
                || !(t.get(1) instanceof PyValue.Str endian)
                || t.get(2) != PyValue.None.NONE || t.get(3) != PyValue.None.NONE || t.get(4) != PyValue.None.NONE
                || !isInt(t.get(5), -1) || !isInt(t.get(6), -1) || !isInt(t.get(7), 0)) {
            throw c.fail(Reason.UNSUPPORTED_FORMAT, "numpy dtype '" + code + "': state must be (3, endian, None, None, "
                    + "None, -1, -1, 0) as numpy writes it for a numeric dtype, got " + Values.typeName(state)
                    + (state instanceof TupleObj t ? " of " + t.size() + " items" : ""));
        }
        order = switch (endian.value()) {
            case "<" -> ByteOrder.LITTLE_ENDIAN;
            case ">" -> ByteOrder.BIG_ENDIAN;
            // numpy writes '|' ("not applicable") for one-byte types only.
            case "|" -> dtype.byteOrderUnit() == 1 ? ByteOrder.LITTLE_ENDIAN : null;
            default -> null;
        };
        if (order == null) {
            throw c.fail(Reason.UNSUPPORTED_FORMAT, "numpy dtype '" + code + "': byte order '" + clip(endian.value())
                    + "' (only '<' and '>', and '|' for one-byte types, say where the bytes come from)");
        }
        return this;
    }

    /** The dtype, refusing one whose BUILD has not come (its byte order is unknown). */
    DType dtype(Call c) throws PtsafeException {
        if (order == null) {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "numpy dtype '" + code + "' used before its state was set");
        }
        return dtype;
    }

    ByteOrder order() {
        return order;
    }

    String code() {
        return code;
    }

    /** The dtype as data, where it is a value of its own: {@code numpy.dtype('<f4')}. */
    PyValue asValue() {
        String endian = order == null ? "" : dtype.byteOrderUnit() == 1 ? "|" : order == ByteOrder.BIG_ENDIAN ? ">" : "<";
        return new PyValue.Opaque("numpy.dtype", List.of(new PyValue.Str(endian + code)), null);
    }

    private static boolean isInt(Object v, long value) {
        return v instanceof PyValue.Int i && i.value().bitLength() < 64 && i.value().longValue() == value;
    }

    private static String describe(List<Object> args) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < args.size() && i < 4; i++) {
            sb.append(i == 0 ? "" : ", ").append(Values.typeName(args.get(i)));
        }
        return sb.append(args.size() > 4 ? ", ...)" : ")").toString();
    }

    static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    @Override
    public String toString() {
        return "numpy.dtype('" + code + "')";
    }
}
