package io.ptsafe.pickle.torch;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Tensor;
import io.ptsafe.pickle.machine.DictObj;
import io.ptsafe.pickle.machine.KeyedResults;
import io.ptsafe.pickle.machine.PickleInput;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;

/**
 * The fast lane for the one pickle nearly every checkpoint is: a state dict, a dict (or
 * OrderedDict) of str keys to tensors as {@code torch.save} writes it. It reads the bytes against
 * that exact grammar ({@link StateDictGrammar}) and builds the tensors directly, without the
 * machine's values, the tree converter or the naming walk; it declines (returns null) at the first
 * byte that is not that grammar, or at any value near a limit, and the reader then decodes the same
 * bytes with the general machine, which gives every refusal and every other meaning. So the lane
 * changes speed only: a file it takes opens to the same tensors, names and tree the machine makes
 * of it (ptsafe-pickle's {@code StateDictLaneDifferentialTest} opens every fixture both ways).
 *
 * <p>Opening only: a scan always runs the machine, which reports every opcode and global.
 */
public final class StateDictLane {
    /**
     * Bound to {@code false} around an open: the lane declines every pickle (tests compare the two
     * paths). Unbound: the lane is used.
     */
    static final ScopedValue<Boolean> ENABLED = ScopedValue.newInstance();
    /** When bound around an open: {@code [0]} counts the pickles the lane took. */
    static final ScopedValue<int[]> TAKEN = ScopedValue.newInstance();

    private StateDictLane() {
    }

    /**
     * The tree of a zip checkpoint's data.pkl when it is a plain state dict, or null: then decode it
     * with {@link TorchPickle} and {@link TensorTree#build}, which this returns the same tree as.
     *
     * @param pickle   the pickle
     * @param storages resolves the storages it names
     * @param order    the storages' byte order
     * @param arena    the file's arena
     * @param options  the limits
     * @return the tree, or null when the lane declines the pickle
     * @throws PtsafeException what {@link TensorTree#build} throws for the same storages and tensors
     *         (a missing or short record, a view outside its storage), in the same order
     */
    public static TensorTree.Tree read(PickleInput pickle, StorageSource storages, ByteOrder order, Arena arena,
            LoadOptions options) throws PtsafeException {
        if (ENABLED.isBound() && !ENABLED.get()) {
            return null;
        }
        MemorySegment bytes = pickle.bytes();
        if (bytes.byteSize() > StateDictGrammar.MAX_BYTES) {
            return null;
        }
        StateDictGrammar.Parsed p = StateDictGrammar.parse(bytes.toArray(ValueLayout.JAVA_BYTE), options);
        if (p == null) {
            return null;
        }
        TensorTree.Tree tree = build(p, pickle.file(), storages, order, arena);
        if (TAKEN.isBound()) {
            TAKEN.get()[0]++;
        }
        return tree;
    }

    /** What {@link TensorTree#build} makes of the same dict: storages resolved first, then tensors in order. */
    private static TensorTree.Tree build(StateDictGrammar.Parsed p, Path file, StorageSource source, ByteOrder order,
            Arena arena) throws PtsafeException {
        IdentityHashMap<StorageRef, MemorySegment> segments = new IdentityHashMap<>(p.namedCount());
        for (int i = 0; i < p.namedCount(); i++) {
            StorageRef ref = p.named()[i];
            segments.put(ref, source.resolve(ref));
        }
        int n = p.size();
        List<Tensor> tensors = new ArrayList<>(n);
        PyValue[] keys = new PyValue[n];
        PyValue[] values = new PyValue[n];
        for (int i = 0; i < n; i++) {
            StorageRef ref = p.storages()[i];
            long[] shape = p.shapes()[i];
            long[] strides = p.strides()[i];
            String name = p.names()[i];
            // As TensorTree.node: row-major strides are the builder's default and not passed.
            Tensor.Builder b = Tensor.builder(name, ref.dtype(), shape, segments.get(ref));
            if (!TensorNode.rowMajor(shape, strides)) {
                b.strides(strides);
            }
            Tensor t = b.storageOffset(p.offsets()[i]).byteOrder(order).arena(arena).file(file).quantization(null)
                    .build();
            tensors.add(t);
            keys[i] = new PyValue.Str(name);
            values[i] = new PyValue.TensorValue(t);
        }
        PyValue root = new PyValue.Dict(new KeyedResults(Arrays.asList(keys), values),
                p.ordered() ? DictObj.ORDERED_DICT : DictObj.DICT);
        return new TensorTree.Tree(root, tensors);
    }
}
