package io.ptsafe.pickle.torch;

import io.ptsafe.DType;
import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.pickle.machine.Call;
import io.ptsafe.pickle.machine.DictObj;
import io.ptsafe.pickle.machine.GlobalRef;
import io.ptsafe.pickle.machine.ListObj;
import io.ptsafe.pickle.machine.Meaning;
import io.ptsafe.pickle.machine.OpaqueObj;
import io.ptsafe.pickle.machine.TupleObj;
import io.ptsafe.pickle.machine.Values;
import java.util.List;
import java.util.Map;

/**
 * The meanings of torch's tensor rebuild functions ({@code torch._utils._rebuild_*}): each checks
 * every argument's type (else {@link Reason#INVALID_TENSOR_ARGUMENTS}) and returns a
 * {@link TensorNode}; what ptsafe cannot represent faithfully is refused with
 * {@link Reason#UNSUPPORTED_FORMAT} and says why. Stateless, so that one instance serves every pickle
 * and thread ({@link TorchGlobals#table}): the limits are read from the call's options, and tensors
 * are counted by the machine running the pickle ({@link Call#countTensor()}).
 */
final class TensorMeanings {
    TensorMeanings() {
    }

    /** A rebuild function: the meanings {@code _rebuild_from_type_v2} may call. */
    @FunctionalInterface
    interface Rebuild extends Meaning {
        Object rebuild(Call c) throws PtsafeException;

        @Override
        default Object call(Call c) throws PtsafeException {
            return rebuild(c);
        }
    }

    /** Every rebuild function by its global name. */
    Map<String, Meaning> all() {
        return Map.ofEntries(
                Map.entry("torch._utils._rebuild_tensor", (Rebuild) this::rebuildTensor),
                Map.entry("torch._utils._rebuild_tensor_v2", (Rebuild) this::rebuildTensorV2),
                Map.entry("torch._utils._rebuild_tensor_v3", (Rebuild) this::rebuildTensorV3),
                Map.entry("torch._utils._rebuild_parameter", (Rebuild) c -> rebuildParameter(c, false)),
                Map.entry("torch._utils._rebuild_parameter_with_state", (Rebuild) c -> rebuildParameter(c, true)),
                Map.entry("torch._utils._rebuild_qtensor", (Rebuild) this::rebuildQTensor),
                Map.entry("torch._utils._rebuild_sparse_tensor", (Rebuild) c -> {
                    throw unsupported(c, "sparse tensors are not supported (their indices would have to be validated "
                            + "before any use)");
                }),
                Map.entry("torch._utils._rebuild_meta_tensor_no_storage", (Rebuild) this::rebuildMeta),
                Map.entry("torch._utils._rebuild_wrapper_subclass", (Rebuild) c -> {
                    throw unsupported(c, "tensor wrapper subclasses (DTensor and the like) carry no data of their own "
                            + "and are not supported");
                }),
                Map.entry("torch._utils._rebuild_device_tensor_from_cpu_tensor", (Rebuild) this::fromCpuTensor),
                Map.entry("torch._utils._rebuild_device_tensor_from_numpy", (Rebuild) this::fromNumpy),
                Map.entry("torch._tensor._rebuild_from_type_v2", (Rebuild) this::rebuildFromType),
                Map.entry("torch.nn.parameter.Parameter", new ParameterClass()));
    }

    // _rebuild_tensor(storage, storage_offset, size, stride)
    private Object rebuildTensor(Call c) throws PtsafeException {
        arity(c, 4, 4);
        StorageRef s = storage(c, 0);
        return tensor(c, s, s.elementType(), index(c, 1, "storage_offset"), longs(c, 2, "size"), longs(c, 3, "stride"),
                false, null);
    }

    // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    private Object rebuildTensorV2(Call c) throws PtsafeException {
        arity(c, 6, 7);
        StorageRef s = storage(c, 0);
        hooks(c, 5);
        if (c.args().size() == 7) {
            metadata(c, 6);
        }
        return tensor(c, s, s.elementType(), index(c, 1, "storage_offset"), longs(c, 2, "size"), longs(c, 3, "stride"),
                bool(c, 4, "requires_grad"), null);
    }

    // _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype[, metadata])
    private Object rebuildTensorV3(Call c) throws PtsafeException {
        arity(c, 7, 8);
        StorageRef s = storage(c, 0);
        hooks(c, 5);
        DType dtype = dtype(c, 6);
        if (c.args().size() == 8) {
            metadata(c, 7);
        }
        return tensor(c, s, dtype, index(c, 1, "storage_offset"), longs(c, 2, "size"), longs(c, 3, "stride"),
                bool(c, 4, "requires_grad"), null);
    }

    // _rebuild_parameter(data, requires_grad, backward_hooks) and _with_state(..., state)
    private Object rebuildParameter(Call c, boolean withState) throws PtsafeException {
        arity(c, withState ? 4 : 3, withState ? 4 : 3);
        TensorNode data = tensorArg(c, 0);
        boolean requiresGrad = bool(c, 1, "requires_grad");
        hooks(c, 2);
        if (withState) {
            state(c, 3);
        }
        RebuildChecks.requiresGrad(c, data.dtype(), requiresGrad);
        return data.asParameter(requiresGrad);
    }

    // _rebuild_qtensor(storage, storage_offset, size, stride, quantizer_params, requires_grad, backward_hooks)
    private Object rebuildQTensor(Call c) throws PtsafeException {
        arity(c, 7, 7);
        StorageRef s = storage(c, 0);
        if (s.dtype() == null || s.dtype().kind() != DType.Kind.QUANTIZED) {
            throw invalid(c, "a quantized tensor needs a quantized storage, got " + s.storageClass());
        }
        if (!(c.args().get(4) instanceof TupleObj params) || params.size() == 0
                || !(params.get(0) instanceof GlobalRef scheme)) {
            throw invalid(c, "quantizer_params must be a tuple starting with a qscheme, got "
                    + Values.typeName(c.args().get(4)));
        }
        TensorNode.Quantization q = switch (scheme.name()) {
            case "torch.per_tensor_affine" -> {
                if (params.size() != 3 || !(params.get(1) instanceof PyValue.Float scale)
                        || !(params.get(2) instanceof PyValue.Int zp) || zp.value().bitLength() > 63) {
                    throw invalid(c, "per_tensor_affine parameters must be (qscheme, float scale, int zero_point)");
                }
                yield new TensorNode.Quantization.PerTensor(scale.value(), zp.value().longValue());
            }
            case "torch.per_channel_affine", "torch.per_channel_affine_float_qparams" -> perChannel(c, scheme, params);
            default -> throw invalid(c, "unknown quantization scheme " + scheme.name());
        };
        hooks(c, 6);
        return tensor(c, s, s.dtype(), index(c, 1, "storage_offset"), longs(c, 2, "size"), longs(c, 3, "stride"),
                bool(c, 5, "requires_grad"), q);
    }

    // _rebuild_meta_tensor_no_storage(dtype, size, stride, requires_grad): a tensor without data, kept as data.
    private Object rebuildMeta(Call c) throws PtsafeException {
        arity(c, 4, 4);
        if (!(c.args().get(0) instanceof GlobalRef g) || !(g.meaning() instanceof TorchDType)) {
            throw invalid(c, "dtype must be a torch dtype, got " + Values.typeName(c.args().get(0)));
        }
        longs(c, 1, "size");
        longs(c, 2, "stride");
        bool(c, 3, "requires_grad");
        return new OpaqueObj(c.global(), c.argsTuple());
    }

    // _rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad)
    private Object fromCpuTensor(Call c) throws PtsafeException {
        arity(c, 4, 4);
        TensorNode data = tensorArg(c, 0);
        DType dtype = dtype(c, 1);
        if (dtype != data.dtype()) {
            throw unsupported(c, "converting a " + data.dtype() + " tensor to " + dtype + " is not supported");
        }
        device(c, 2);
        boolean requiresGrad = bool(c, 3, "requires_grad");
        RebuildChecks.requiresGrad(c, data.dtype(), requiresGrad);
        return data.withRequiresGrad(requiresGrad);
    }

    /**
     * _rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad): torch 1.13 saves a
     * tensor of an XLA, ORT or HPU device as {@code (self.cpu().numpy(), self.dtype, str(self.device),
     * self.requires_grad)} and rebuilds it with {@code torch.from_numpy(data).to(dtype=dtype,
     * device=device)} ({@code torch/_utils.py}). The array is decoded as data like any numpy array
     * ({@link NumpyArray}) and is the tensor, read on the CPU as every storage is. torch.from_numpy
     * refuses a big-endian array (checked with torch 1.13), and so does ptsafe; a dtype other than
     * the array's own (a conversion torch.save never writes) is refused.
     */
    private Object fromNumpy(Call c) throws PtsafeException {
        arity(c, 4, 4);
        if (!(c.args().get(0) instanceof NumpyArray a) || !a.built()) {
            throw invalid(c, "data must be a numpy array, got " + Values.typeName(c.args().get(0)));
        }
        DType dtype = dtype(c, 1);
        if (dtype != a.dtype()) {
            throw unsupported(c, "converting a numpy array of " + a.dtype() + " to " + dtype + " is not supported");
        }
        if (a.order() == java.nio.ByteOrder.BIG_ENDIAN && a.dtype().byteSize() > 1) {
            throw invalid(c, "a big-endian numpy array: torch.from_numpy refuses a byte order other than the "
                    + "native one");
        }
        device(c, 2);
        RebuildChecks.requiresGrad(c, dtype, bool(c, 3, "requires_grad"));
        return a;
    }

    private static void device(Call c, int i) throws PtsafeException {
        Object device = c.args().get(i);
        if (!(device instanceof PyValue.Str) && !(device instanceof PyValue.Opaque o && o.global().equals("torch.device"))) {
            throw invalid(c, "device must be a str or torch.device, got " + Values.typeName(device));
        }
    }

    // _rebuild_from_type_v2(func, new_type, args, state)
    private Object rebuildFromType(Call c) throws PtsafeException {
        arity(c, 4, 4);
        if (!(c.args().get(0) instanceof GlobalRef func) || !(func.meaning() instanceof Rebuild)
                || func.name().equals(c.global())) {
            throw invalid(c, "func must be one of torch's tensor rebuild functions, got "
                    + Values.typeName(c.args().get(0)));
        }
        if (!(c.args().get(1) instanceof GlobalRef type)) {
            throw invalid(c, "new_type must be a tensor class, got " + Values.typeName(c.args().get(1)));
        }
        boolean parameter = type.name().equals("torch.nn.parameter.Parameter");
        if (!parameter && !type.name().equals("torch.Tensor") && !isTensorClass(type.name())) {
            throw unsupported(c, "tensor subclass " + type.name() + " is not supported");
        }
        if (!(c.args().get(2) instanceof TupleObj args)) {
            throw invalid(c, "args must be a tuple, got " + Values.typeName(c.args().get(2)));
        }
        state(c, 3);
        Object result = c.callGlobal(func, args.items());
        if (parameter && result instanceof TensorNode t) {
            return t.asParameter(t.requiresGrad());
        }
        return result;
    }

    /**
     * The meaning of {@code torch.Tensor} ({@code dtype}: torch's default dtype, float32) and of a
     * dense tensor class ({@code torch.FloatTensor}, {@code torch.cuda.FloatTensor}, ...): called
     * with no argument, as pickles before torch 0.4 did, it makes the empty tensor BUILD then sets
     * ({@link LegacyTensor}). torch 1.13's restricted unpickler calls any allowed global on REDUCE
     * ({@code _weights_only_unpickler.py} lines 146-153) and accepts NEWOBJ only for Parameter
     * (lines 140-145); torch main also instantiates allowed classes on NEWOBJ with
     * {@code cls.__new__(cls, *args)} (read from source, commit 00f730b6), so both make one here.
     * Arguments are refused: torch.Tensor(3) is three uninitialized floats (torch 1.13 loads them,
     * with whatever the memory held), torch.Tensor([1.5]) a tensor of Python numbers no
     * torch.save ever wrote.
     */
    private final class TensorClass implements Meaning {
        private final DType dtype;

        TensorClass(DType dtype) {
            this.dtype = dtype;
        }

        @Override
        public Object call(Call c) throws PtsafeException {
            if (c.kwargs() != null && c.kwargs().size() > 0) {
                throw unsupported(c, "instantiating a tensor class with keyword arguments (" + c.kwargs().size()
                        + " given) is not supported; torch's restricted unpickler has no NEWOBJ_EX");
            }
            if (!c.args().isEmpty()) {
                throw unsupported(c, "calling a tensor class with arguments (" + c.args().size() + " given) is "
                        + "not supported: a size makes uninitialized memory, a list a tensor of Python numbers; "
                        + "only the empty call of pickles before torch 0.4, whose BUILD sets the storage, is data");
            }
            return new LegacyTensor(TensorMeanings.this, c.global(), dtype);
        }

        @Override
        public Object instantiate(Call c) throws PtsafeException {
            return call(c);
        }
    }

    /** The meaning of {@code torch.Tensor} or a tensor class whose empty tensor has {@code dtype}. */
    Meaning tensorClass(DType dtype) {
        return new TensorClass(dtype);
    }

    /** torch.nn.parameter.Parameter(data[, requires_grad]): called or instantiated (NEWOBJ). */
    private final class ParameterClass implements Meaning {
        @Override
        public Object call(Call c) throws PtsafeException {
            arity(c, 1, 2);
            TensorNode data = tensorArg(c, 0);
            boolean requiresGrad = c.args().size() < 2 || bool(c, 1, "requires_grad");
            RebuildChecks.requiresGrad(c, data.dtype(), requiresGrad);
            return data.asParameter(requiresGrad);
        }

        @Override
        public Object instantiate(Call c) throws PtsafeException {
            return call(c);
        }
    }

    /**
     * (qscheme, scales, zero_points, axis). torch pickles both per-channel schemes as
     * {@code per_channel_affine} and its quantizer picks the scheme from the zero points' dtype
     * (floating: float qparams), so that dtype decides here too. Lists of numbers, which
     * {@code _rebuild_qtensor} also takes but torch's own saving never writes, are refused.
     */
    private TensorNode.Quantization perChannel(Call c, GlobalRef scheme, TupleObj params) throws PtsafeException {
        if (params.size() != 4 || !(params.get(3) instanceof PyValue.Int axis) || axis.value().bitLength() > 31) {
            throw invalid(c, scheme.name() + " parameters must be (qscheme, scales, zero_points, int axis)");
        }
        long[] size = longs(c, 2, "size");
        int ax = axis.value().intValue();
        if (ax < 0 || ax >= size.length) {
            throw invalid(c, "per-channel axis " + ax + " is outside the " + size.length + " dimensions");
        }
        if (params.get(1) instanceof ListObj || params.get(2) instanceof ListObj) {
            throw unsupported(c, "per-channel scales and zero points given as lists are not supported (torch.save "
                    + "writes them as tensors)");
        }
        if (!(params.get(1) instanceof TensorNode scales) || !(params.get(2) instanceof TensorNode zeroPoints)
                || scales.shape().length != 1 || zeroPoints.shape().length != 1) {
            throw invalid(c, "per-channel scales and zero points must be 1-dimensional tensors, got "
                    + Values.typeName(params.get(1)) + " and " + Values.typeName(params.get(2)));
        }
        long channels = size[ax];
        if (scales.shape()[0] != channels || zeroPoints.shape()[0] != channels) {
            throw invalid(c, "per-channel scales and zero points must hold size[axis] = " + channels
                    + " values each, got " + scales.shape()[0] + " and " + zeroPoints.shape()[0]);
        }
        if (!scales.dtype().isFloatingPoint()) {
            throw invalid(c, "per-channel scales must be floating point, got " + scales.dtype());
        }
        boolean affine = scales.dtype() == DType.F64 && zeroPoints.dtype() == DType.I64;
        boolean floatQParams = scales.dtype() == DType.F32 && zeroPoints.dtype() == DType.F32;
        if (!affine && !floatQParams) {
            // torch would convert them; torch.save only ever writes its quantizer's own dtypes.
            throw unsupported(c, "per-channel scales and zero points of " + scales.dtype() + " and "
                    + zeroPoints.dtype() + " (only F64 and I64, or F32 and F32 for float qparams, as torch saves them)");
        }
        return new TensorNode.Quantization.PerChannel(scales, zeroPoints, ax);
    }

    private static boolean isTensorClass(String name) {
        for (String t : TorchTypes.TENSOR_CLASSES.keySet()) {
            if (name.equals("torch." + t) || name.equals("torch.cuda." + t)) {
                return true;
            }
        }
        return false;
    }

    // --- arguments -----------------------------------------------------------------------------------

    TensorNode tensor(Call c, StorageRef s, DType dtype, long offset, long[] shape, long[] strides,
            boolean requiresGrad, TensorNode.Quantization q) throws PtsafeException {
        if (shape.length != strides.length) {
            throw invalid(c, shape.length + " sizes but " + strides.length + " strides");
        }
        RebuildChecks.requiresGrad(c, dtype, requiresGrad);
        count(c);
        TensorNode t = dtype == DType.QUINT4X2 || dtype == DType.QUINT2X4
                ? packed(c, s, dtype, offset, shape, strides, requiresGrad, q)
                : new TensorNode(s, dtype, offset, shape, strides, requiresGrad, false, q);
        // Packed dtypes are checked in bytes, as packed() presents them.
        RebuildChecks.view(c, s, t.dtype(), t.storageOffset(), t.shape(), t.strides());
        return t;
    }

    /** Counts one more tensor (a rebuilt tensor or a numpy array) against {@link LoadOptions#maxTensors()}. */
    void count(Call c) throws PtsafeException {
        long tensors = c.countTensor();
        if (tensors > c.options().maxTensors()) {
            throw Limit.MAX_TENSORS.exceeded(c.file(), c.place() + ": tensors",
                    tensors, c.options().maxTensors());
        }
    }

    /**
     * quint4x2 and quint2x4 pack 2 or 4 values to a byte, while torch's shape and strides count
     * values. ptsafe's element of these dtypes is one byte, so the tensor is presented in bytes: the
     * last dimension becomes ceil(size / values per byte). Only the contiguous layout torch creates
     * is accepted. torch allocates the storage padded per row but packs the values of all rows one
     * after the other (its quantize kernels index value i at byte i / values-per-byte), so when a
     * row does not fill whole bytes, rows do not start on a byte and no byte shape presents the
     * tensor truthfully: such tensors (more than one row) are refused rather than given rows that
     * hold the wrong values.
     */
    private static TensorNode packed(Call c, StorageRef s, DType dtype, long offset, long[] shape, long[] strides,
            boolean requiresGrad, TensorNode.Quantization q) throws PtsafeException {
        int perByte = dtype == DType.QUINT4X2 ? 2 : 4;
        if (offset != 0) {
            throw unsupported(c, "a " + dtype + " tensor at storage offset " + offset + " (packed values cannot be viewed)");
        }
        long[] bytes = shape.clone();
        long[] byteStrides = new long[bytes.length];
        try {
            boolean empty = false;
            for (long d : shape) {
                empty |= d == 0;
            }
            long expect = 1;
            for (int i = shape.length - 1; i >= 0 && !empty; i--) {
                if (shape[i] != 1 && strides[i] != expect) {
                    throw unsupported(c, "a non-contiguous " + dtype + " tensor (packed values cannot be viewed)");
                }
                expect = Math.multiplyExact(expect, Math.max(shape[i], 1));
            }
            if (bytes.length > 0 && bytes[bytes.length - 1] > 0) {
                long last = bytes[bytes.length - 1];
                long rows = 1;
                for (int i = 0; i < shape.length - 1; i++) {
                    rows = Math.multiplyExact(rows, shape[i]);
                }
                if (last % perByte != 0 && rows > 1) {
                    throw unsupported(c, "a " + dtype + " tensor of shape " + java.util.Arrays.toString(shape)
                            + ": rows of " + last + " values do not fill whole bytes and torch packs the rows"
                            + " one after the other, so its rows cannot be presented as rows of bytes");
                }
                bytes[bytes.length - 1] = last / perByte + (last % perByte == 0 ? 0 : 1);
            }
            long acc = 1;
            for (int i = bytes.length - 1; i >= 0; i--) {
                byteStrides[i] = acc;
                acc = bytes[i] <= 0 ? acc : Math.multiplyExact(acc, bytes[i]);
            }
        } catch (ArithmeticException e) {
            throw c.fail(Reason.VALIDATION_OVERFLOW, "the shape of a " + dtype + " tensor overflows 64 bits");
        }
        return new TensorNode(s, dtype, 0, bytes, byteStrides, requiresGrad, false, q);
    }

    private static void arity(Call c, int min, int max) throws PtsafeException {
        int n = c.args().size();
        if (n < min || n > max) {
            throw invalid(c, "takes " + (min == max ? min : min + " to " + max) + " arguments, got " + n);
        }
    }

    private static StorageRef storage(Call c, int i) throws PtsafeException {
        Object v = c.args().get(i);
        // Checked here first: the name of the argument is made only for a refusal.
        return v instanceof StorageRef s ? s : storage(c, v, "argument " + i);
    }

    static StorageRef storage(Call c, Object v, String what) throws PtsafeException {
        if (v instanceof StorageRef s) {
            return s;
        }
        throw invalid(c, what + " must be a storage (a persistent id), got " + Values.typeName(v));
    }

    private static TensorNode tensorArg(Call c, int i) throws PtsafeException {
        switch (c.args().get(i)) {
            case TensorNode t -> {
                return t;
            }
            case LegacyTensor t -> {
                return t.node(c);
            }
            default -> throw invalid(c, "argument " + i + " must be a tensor, got " + Values.typeName(c.args().get(i)));
        }
    }

    private static long index(Call c, int i, String what) throws PtsafeException {
        return index(c, c.args().get(i), what);
    }

    static long index(Call c, Object v, String what) throws PtsafeException {
        if (v instanceof PyValue.Int n && n.value().signum() >= 0 && n.value().bitLength() < 63) {
            return n.value().longValue();
        }
        throw invalid(c, what + " must be an int from 0 to " + ((1L << 62) - 1) + ", got "
                + (v instanceof PyValue.Int n ? clip(n.value().toString()) : Values.typeName(v)));
    }

    private static String clip(String digits) {
        return digits.length() <= 40 ? digits : digits.substring(0, 20) + "..." + digits.substring(digits.length() - 10)
                + " (" + digits.length() + " digits)";
    }

    private static boolean bool(Call c, int i, String what) throws PtsafeException {
        if (c.args().get(i) instanceof PyValue.Bool b) {
            return b.value();
        }
        throw invalid(c, what + " must be a bool, got " + Values.typeName(c.args().get(i)));
    }

    private long[] longs(Call c, int i, String what) throws PtsafeException {
        return longs(c, c.args().get(i), what);
    }

    long[] longs(Call c, Object v, String what) throws PtsafeException {
        // Tests of types rather than a pattern switch: twice a tensor, on the open path.
        List<?> items;
        if (v instanceof TupleObj t) {
            items = t.items();
        } else if (v instanceof ListObj l) {
            items = l.items();
        } else if (v instanceof PyValue.Opaque o && o.global().equals("torch.Size") && o.args().size() == 1
                && o.args().getFirst() instanceof PyValue.Tuple t) {
            items = t.items();
        } else {
            throw invalid(c, what + " must be a tuple of ints, got " + Values.typeName(v));
        }
        int n = items.size();
        if (n > c.options().maxRank()) {
            throw Limit.MAX_RANK.exceeded(c.file(), c.place() + ": " + what
                    + " of " + n + " dimensions", n, c.options().maxRank());
        }
        long[] out = new long[n];
        for (int k = 0; k < n; k++) {
            Object item = items.get(k);
            java.math.BigInteger b;
            if (!(item instanceof PyValue.Int i) || (b = i.value()).bitLength() > 63) {
                throw invalid(c, what + " must be a tuple of ints, item " + k + " is " + Values.typeName(item));
            }
            out[k] = b.longValue();
        }
        return out;
    }

    private static DType dtype(Call c, int i) throws PtsafeException {
        Object v = c.args().get(i);
        if (!(v instanceof GlobalRef g) || !(g.meaning() instanceof TorchDType t)) {
            throw invalid(c, "dtype must be a torch dtype, got " + Values.typeName(v));
        }
        if (t.dtype() == null) {
            throw unsupported(c, "tensors of " + t.global() + " are not supported");
        }
        return t.dtype();
    }

    /** backward_hooks: torch saves an empty OrderedDict; hooks would be functions, and are refused. */
    private static void hooks(Call c, int i) throws PtsafeException {
        hooks(c, c.args().get(i));
    }

    static void hooks(Call c, Object v) throws PtsafeException {
        if (v == PyValue.None.NONE || v instanceof DictObj d && d.size() == 0) {
            return;
        }
        throw invalid(c, "backward_hooks must be an empty dict, got " + Values.typeName(v)
                + (v instanceof DictObj d ? " of " + d.size() + " items" : ""));
    }

    /** metadata: {'conj': bool, 'neg': bool}; a set bit means the stored data is not the value, so refuse it. */
    private static void metadata(Call c, int i) throws PtsafeException {
        Object v = c.args().get(i);
        if (v == PyValue.None.NONE) {
            return;
        }
        if (!(v instanceof DictObj d)) {
            throw invalid(c, "metadata must be a dict, got " + Values.typeName(v));
        }
        for (Map.Entry<PyValue, Object> e : d.entries().entrySet()) {
            if (!(e.getKey() instanceof PyValue.Str k) || !(e.getValue() instanceof PyValue.Bool b)) {
                throw invalid(c, "metadata must map str to bool");
            }
            if (!k.value().equals("conj") && !k.value().equals("neg")) {
                throw unsupported(c, "tensor metadata '" + k.value() + "' is not supported");
            }
            if (b.value()) {
                throw unsupported(c, "tensors with the " + k.value() + " bit set (stored data is not the tensor's value) "
                        + "are not supported");
            }
        }
    }

    /** Python state of a tensor subclass or Parameter: None, a dict, or (dict, slots). Checked, then dropped. */
    private static void state(Call c, int i) throws PtsafeException {
        Object v = c.args().get(i);
        if (v == PyValue.None.NONE || v instanceof DictObj
                || v instanceof TupleObj t && t.size() == 2 && t.items().stream().allMatch(
                        x -> x == PyValue.None.NONE || x instanceof DictObj)) {
            return;
        }
        throw invalid(c, "state must be None, a dict or (dict, dict), got " + Values.typeName(v));
    }

    static PtsafeException invalid(Call c, String message) {
        return c.fail(Reason.INVALID_TENSOR_ARGUMENTS, message);
    }

    static PtsafeException unsupported(Call c, String message) {
        return c.fail(Reason.UNSUPPORTED_FORMAT, message);
    }
}
