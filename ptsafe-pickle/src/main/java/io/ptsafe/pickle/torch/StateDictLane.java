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
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
        Dict d = parse(pickle.bytes(), options, false);
        return d == null ? null : d.tree(pickle.file(), storages, order, arena);
    }

    /**
     * A legacy stream's object pickle, when it is a plain state dict (each persistent id's view
     * metadata None), or null: then run it through the machine. The pickle ends at its STOP.
     *
     * @param window  the bytes from the pickle's first on (the rest of the stream, up to
     *                {@link LoadOptions#maxPickleBytes()}): only the pickle's own are read
     * @param options the limits
     * @return what the pickle names, or null when the lane declines it
     */
    public static Dict legacyObject(MemorySegment window, LoadOptions options) {
        return parse(window, options, true);
    }

    private static Dict parse(MemorySegment bytes, LoadOptions options, boolean legacy) {
        if (ENABLED.isBound() && !ENABLED.get()) {
            return null;
        }
        StateDictGrammar.Parsed p = StateDictGrammar.parse(bytes, options, legacy);
        return p == null ? null : new Dict(p);
    }

    /** A state dict the lane read: its storages named, its tensors not yet built. */
    public static final class Dict {
        private final StateDictGrammar.Parsed p;

        private Dict(StateDictGrammar.Parsed p) {
            this.p = p;
        }

        /** @return the pickle's length in bytes, to just past its STOP */
        public int length() {
            return p.length();
        }

        /** @return the storages the dict names, each once, in the order first named (as the machine's persistent ids) */
        public List<StorageRef> storages() {
            return Arrays.asList(p.named()).subList(0, p.namedCount());
        }

        /**
         * @return a bound on what the general path (machine, tree converter, tensor tree) would charge
         *         the decode budget for this pickle and its tensors at its peak: when the budget left
         *         is at least this, the machine would not have refused the file for the budget
         */
        public long budgetBound() {
            return p.bound();
        }

        /**
         * The tree {@link TensorTree#build} makes of the same dict: every storage resolved first, in the
         * order first named, then the tensors in the dict's order.
         *
         * @param file     the file, for messages
         * @param storages resolves the storages
         * @param order    the storages' byte order
         * @param arena    the file's arena
         * @return the tree and its tensors
         * @throws PtsafeException what {@link TensorTree#build} throws for the same storages and tensors
         */
        public TensorTree.Tree tree(Path file, StorageSource storages, ByteOrder order, Arena arena)
                throws PtsafeException {
            TensorTree.Tree tree = build(p, file, storages, order, arena);
            if (TAKEN.isBound()) {
                TAKEN.get()[0]++;
            }
            return tree;
        }
    }

    /** What {@link TensorTree#build} makes of the same dict: storages resolved first, then tensors in order. */
    private static TensorTree.Tree build(StateDictGrammar.Parsed p, Path file, StorageSource source, ByteOrder order,
            Arena arena) throws PtsafeException {
        MemorySegment[] segments = new MemorySegment[p.namedCount()];
        for (int i = 0; i < segments.length; i++) {
            segments[i] = source.resolve(p.named()[i], i);
        }
        int n = p.size();
        List<Tensor> tensors = new ArrayList<>(n);
        PyValue[] keys = new PyValue[n];
        PyValue[] values = new PyValue[n];
        for (int i = 0; i < n; i++) {
            int storage = p.storageOf()[i];
            StorageRef ref = p.named()[storage];
            long[] shape = p.shapes()[i];
            long[] strides = p.strides()[i];
            String name = p.names()[i];
            // As TensorTree.node: row-major strides are the builder's default and not passed.
            Tensor.Builder b = Tensor.builder(name, ref.dtype(), shape, segments[storage]);
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
