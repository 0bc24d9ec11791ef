package io.ptsafe.pickle.torch;

import io.ptsafe.DType;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.pickle.machine.Call;
import io.ptsafe.pickle.machine.GlobalTable;
import io.ptsafe.pickle.machine.Meaning;
import io.ptsafe.pickle.machine.PythonGlobals;
import io.ptsafe.pickle.machine.Values;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The default table of meanings: torch's {@code weights_only} allowlist (torch 2.x), each name
 * given plain Java behaviour, plus {@code builtins.frozenset} (plain data, which torch's list lacks).
 *
 * <ul>
 * <li>{@code collections.OrderedDict}, {@code collections.Counter}, {@code builtins.set},
 * {@code builtins.frozenset}, {@code builtins.bytearray}, {@code builtins.complex},
 * {@code _codecs.encode}: the values they build ({@link PythonGlobals}).
 * <li>{@code torch.Size}, {@code torch.device}, {@code torch.serialization._get_layout}: kept as
 * {@code PyValue.Opaque(name, args)}.
 * <li>every torch dtype ({@code torch.float32} ...), qscheme ({@code torch.per_tensor_affine} ...),
 * storage class ({@code torch.FloatStorage}, {@code torch.cuda.FloatStorage},
 * {@code torch.storage.UntypedStorage}, {@code torch.storage.TypedStorage}): names only, data to
 * other meanings.
 * <li>{@code torch.Tensor} and the dense tensor classes ({@code torch.FloatTensor} ...): names
 * ({@code new_type} of {@code _rebuild_from_type_v2}), and called with no argument, the empty tensor
 * whose BUILD state {@code (storage, offset, size, stride)} pickles before torch 0.4 set
 * ({@link LegacyTensor}).
 * <li>{@code torch._utils._rebuild_tensor}, {@code _v2}, {@code _v3}, {@code _rebuild_parameter},
 * {@code _rebuild_parameter_with_state}, {@code _rebuild_qtensor} (per-tensor affine),
 * {@code _rebuild_device_tensor_from_cpu_tensor}, {@code torch._tensor._rebuild_from_type_v2} (with a
 * rebuild function and a tensor class from this table), {@code torch.nn.parameter.Parameter}:
 * tensors. {@code _rebuild_meta_tensor_no_storage}: an opaque value (a tensor without data).
 * {@code _rebuild_device_tensor_from_numpy}: its numpy array, as a tensor.
 * {@code _rebuild_sparse_tensor}, {@code _rebuild_wrapper_subclass}: refused with a reason.
 * <li>numpy arrays and scalars ({@code numpy.core.multiarray._reconstruct} and {@code scalar}, their
 * numpy 2 spellings under {@code numpy._core}, {@code numpy.ndarray}, {@code numpy.dtype}): arrays of
 * numeric and bool dtypes as tensors, scalars as numbers ({@link NumpyMeanings}); other dtypes refused.
 * </ul>
 */
public final class TorchGlobals {
    private TorchGlobals() {
    }

    /**
     * The table for decoding a pickle. One immutable table, built once and shared by every pickle
     * and thread: no meaning in it keeps state (the tensor meanings read their limits from the call's
     * options and count tensors through the machine running the pickle, {@code Call.countTensor}), so
     * no option changes it. Building it (a few hundred names) cost more than decoding a small
     * checkpoint's pickle.
     *
     * @param options the options of the load (they do not change the table; kept so that a future
     *                meaning that depends on one has the place to say so)
     */
    public static GlobalTable table(LoadOptions options) {
        return Shared.TABLE;
    }

    /** Holds the table, built on first use (class initialization is thread-safe and publishes it). */
    private static final class Shared {
        static final GlobalTable TABLE = build();
    }

    private static GlobalTable build() {
        GlobalTable.Builder b = PythonGlobals.table().toBuilder();
        b.put("torch.Size", new OpaqueValue("torch.Size", 1, 1));
        b.put("torch.device", new OpaqueValue("torch.device", 1, 2));
        b.put("torch.serialization._get_layout", new OpaqueValue("torch.serialization._get_layout", 1, 1));
        TorchTypes.DTYPES.forEach((name, dtype) -> b.put("torch." + name, new TorchDType("torch." + name, dtype)));
        for (String name : TorchTypes.OTHER_DTYPES) {
            b.put("torch." + name, new TorchDType("torch." + name, null));
        }
        TorchTypes.STORAGES.forEach((name, dtype) -> b.put("torch." + name, new StorageType("torch." + name, dtype, false)));
        for (String name : TorchTypes.CUDA_STORAGES) {
            b.put("torch.cuda." + name, new StorageType("torch.cuda." + name, TorchTypes.STORAGES.get(name), false));
        }
        b.put("torch.storage.UntypedStorage", new StorageType("torch.storage.UntypedStorage", null, true));
        b.put("torch.storage.TypedStorage", new StorageType("torch.storage.TypedStorage", null, false));
        for (String name : TorchTypes.QSCHEMES) {
            b.put("torch." + name, Meaning.dataOnly());
        }
        TensorMeanings tensors = new TensorMeanings();
        // torch's default dtype, float32, unless the loading program changed it.
        b.put("torch.Tensor", tensors.tensorClass(DType.F32));
        TorchTypes.TENSOR_CLASSES.forEach((name, dtype) -> {
            b.put("torch." + name, tensors.tensorClass(dtype));
            b.put("torch.cuda." + name, tensors.tensorClass(dtype));
        });
        new TreeMap<>(tensors.all()).forEach(b::put);
        NumpyMeanings.all(tensors).forEach(b::put);
        return b.build();
    }

    /** The dtype torch's name denotes ({@code "torch.float32"}), if ptsafe can load it. */
    public static java.util.Optional<DType> dtype(String global) {
        return java.util.Optional.ofNullable(global.startsWith("torch.") ? TorchTypes.DTYPES.get(global.substring(6)) : null);
    }

    /** A call that builds {@code PyValue.Opaque(name, args)} from hashable arguments. */
    private record OpaqueValue(String name, int minArgs, int maxArgs) implements Meaning {
        @Override
        public Object call(Call call) throws PtsafeException {
            List<Object> args = call.args();
            if (args.size() < minArgs || args.size() > maxArgs) {
                throw call.malformed("takes " + minArgs + (minArgs == maxArgs ? "" : " to " + maxArgs)
                        + " arguments, got " + args.size());
            }
            PyValue[] values = new PyValue[args.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = Values.hashable(args.get(i));
                if (values[i] == null || values[i] instanceof PyValue.Opaque) {
                    throw call.malformed("argument " + i + " must be plain data, got " + Values.typeName(args.get(i)));
                }
            }
            return new PyValue.Opaque(name, List.of(values), null);
        }
    }
}
