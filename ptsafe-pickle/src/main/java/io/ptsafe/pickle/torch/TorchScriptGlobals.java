package io.ptsafe.pickle.torch;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.pickle.machine.Call;
import io.ptsafe.pickle.machine.GlobalTable;
import io.ptsafe.pickle.machine.ListObj;
import io.ptsafe.pickle.machine.Meaning;
import io.ptsafe.pickle.machine.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The table of meanings for the pickles of a TorchScript archive ({@code data.pkl},
 * {@code constants.pkl}): the globals torch's TorchScript unpickler reads itself, no more
 * ({@code Unpickler::readGlobal}, torch/csrc/jit/serialization/unpickler.cpp; the names below are the
 * ones libtorch_cpu.so.1.13.0 holds, which has no {@code _rebuild_from_type_v2} there yet):
 *
 * <ul>
 * <li>{@code torch._utils._rebuild_tensor_v2} and {@code _rebuild_qtensor}: tensors, with the same
 * meanings and checks as in a torch.save checkpoint; {@code _rebuild_sparse_tensor} refused as there.
 * <li>{@code collections.OrderedDict} (backward hooks, which the JIT replaces by None),
 * {@code builtins.complex}, {@code torch.device}, the storage classes {@code torch.<Type>Storage}
 * and the qschemes {@code torch.per_tensor_affine} ... (the JIT takes these only from module
 * {@code torch}: no {@code torch.cuda} storages).
 * <li>{@code torch.jit._pickle.build_intlist}, {@code build_tensorlist}, {@code build_doublelist},
 * {@code build_boollist} (one list argument, returned) and {@code restore_type_tag} (a value and a
 * type string, the value returned): torch/jit/_pickle.py, which only tags the list's type.
 * </ul>
 *
 * <p>Refused, though the JIT reads them: {@code torch.jit._pickle.build_tensor_from_id} and
 * {@code __main__.TensorID} (indices into a tensor table that only in-memory pickles such as RPC
 * messages have), {@code __main__.IntList} (a pre-1.3 spelling), {@code torch.distributed.rpc.rref}.
 * Every other name the JIT hands to the archive's type resolver, which compiles {@code code/}:
 * here only the classes that {@code code/} declares are known, each added by the archive reader
 * as an inert object ({@code io.ptsafe.pickle.torchscript.ScriptClasses}).
 */
public final class TorchScriptGlobals {
    private TorchScriptGlobals() {
    }

    /** The torch names of the table, as the JIT spells them. */
    private static List<String> torchNames() {
        List<String> names = new ArrayList<>(List.of("torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_qtensor",
                "torch._utils._rebuild_sparse_tensor", "collections.OrderedDict", "builtins.complex", "torch.device"));
        TorchTypes.STORAGES.keySet().forEach(n -> names.add("torch." + n));
        TorchTypes.QSCHEMES.forEach(n -> names.add("torch." + n));
        return names;
    }

    /**
     * A fresh table for one pickle of a TorchScript archive (its tensor meanings count tensors).
     *
     * @param classes the archive's classes, by qualified name ({@code __torch__.MLP}), each with its meaning
     */
    public static GlobalTable table(LoadOptions options, Map<String, Meaning> classes) {
        GlobalTable torch = TorchGlobals.table(options);
        GlobalTable.Builder b = GlobalTable.builder();
        for (String name : torchNames()) {
            b.put(name, torch.lookup(name).orElseThrow());
        }
        for (String list : List.of("build_intlist", "build_tensorlist", "build_doublelist", "build_boollist")) {
            b.put("torch.jit._pickle." + list, calling(TorchScriptGlobals::typedList));
        }
        b.put("torch.jit._pickle.restore_type_tag", calling(TorchScriptGlobals::restoreTypeTag));
        classes.forEach(b::put);
        return b.build();
    }

    /** Whether {@code global} is one of the torch names of the table (not a class of the archive). */
    public static boolean isTorchName(String global) {
        return torchNames().contains(global) || global.startsWith("torch.jit._pickle.");
    }

    @FunctionalInterface
    private interface Body {
        Object call(Call c) throws PtsafeException;
    }

    /** A meaning that can only be called (REDUCE). */
    private static Meaning calling(Body body) {
        return new Meaning() {
            @Override
            public Object call(Call c) throws PtsafeException {
                return body.call(c);
            }
        };
    }

    // build_intlist(data) and its siblings: return data (torch/jit/_pickle.py); the JIT tags the list's type.
    private static Object typedList(Call c) throws PtsafeException {
        if (c.args().size() != 1 || !(c.args().getFirst() instanceof ListObj l)) {
            throw c.malformed("takes one list, got " + c.args().size() + " arguments"
                    + (c.args().isEmpty() ? "" : " starting with a " + Values.typeName(c.args().getFirst())));
        }
        return l;
    }

    // restore_type_tag(value, type_str): return value (torch/jit/_pickle.py).
    private static Object restoreTypeTag(Call c) throws PtsafeException {
        if (c.args().size() != 2 || !(c.args().get(1) instanceof PyValue.Str)) {
            throw c.malformed("takes a value and a type string, got " + c.args().size() + " arguments");
        }
        return c.args().getFirst();
    }
}
