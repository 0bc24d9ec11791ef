package io.ptsafe.pickle.torch;

import io.ptsafe.Limit;
import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Quantization;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import io.ptsafe.pickle.machine.DecodeBudget;
import io.ptsafe.pickle.machine.HeapCost;
import io.ptsafe.pickle.machine.Names;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.TreeConverter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a decoded pickle into the user's view: the {@link PyValue} tree with {@link Tensor}s over
 * the storages, and the list of named tensors.
 *
 * <p>Naming: walk the tree depth-first in insertion order; dict keys (str as is, int in decimal,
 * other hashable keys in a Python-like repr, see {@link Names}) and list/tuple indices are joined
 * with "."; a bare tensor at the root is named "". A tensor reachable under two names is listed
 * under both, each name its own {@link Tensor} over the same storage. Tensors reachable only through
 * opaque values (inert globals) or sets are in the tree but not listed. Two tensors whose paths
 * spell the same name are refused ({@link Reason#DUPLICATE_TENSOR}).
 *
 * <p>A bare storage in the tree (someone saved a storage, not a tensor) becomes a 1-dimensional
 * tensor over the whole storage.
 *
 * <p>Every {@link Tensor}, name and resolved storage is charged to the file's
 * {@link DecodeBudget} ({@link LoadOptions#maxDecodedBytes()}), after the pickle's values: one
 * tensor reached under many names is many tensors.
 */
public final class TensorTree {
    /** The tree and the tensors named by walking it. */
    public record Tree(PyValue root, List<Tensor> tensors) {
    }

    private final TorchPickle.Decoded decoded;
    private final StorageSource source;
    private final ByteOrder order;
    private final Arena arena;
    private final LoadOptions options;
    private final Path file;
    /** A Tensor, its TensorValue, its list slot and map entry; its arrays and name aside. */
    private static final long TENSOR = 160;
    /** A resolved storage: its slice of the file and its map entry. */
    private static final long STORAGE = 96;
    /** A Visit of the naming walk and its slot in the deque (its path is charged as a string). */
    private static final long VISIT = 32;

    private final Map<StorageRef, MemorySegment> segments;
    /** The same segments by the identity of the refs the pickle named (a table of at most their number). */
    private final IdentityHashMap<StorageRef, MemorySegment> named;
    private final DecodeBudget budget;
    private final IdentityHashMap<PyValue.TensorValue, Object> specs;
    private final long nameBudget;
    private long nameChars;

    private TensorTree(TorchPickle.Decoded decoded, StorageSource source, ByteOrder order, Arena arena,
            LoadOptions options) {
        this.decoded = decoded;
        // Sized once: the storages were all named by the pickle (and each was charged there).
        this.segments = HashMap.newHashMap(decoded.storages().size());
        this.named = new IdentityHashMap<>(decoded.storages().size());
        // Most checkpoints have a tensor per storage: sized so, the table is not rehashed as it fills.
        this.specs = new IdentityHashMap<>(Math.min(decoded.storages().size(), 1 << 16) + 16);
        this.source = source;
        this.order = order;
        this.arena = arena;
        this.options = options;
        this.file = decoded.input().file();
        this.budget = decoded.result().budget();
        // Names come from the pickle's own strings; sharing can repeat a long key under many tensors.
        this.nameBudget = Math.max(16L << 20, Math.multiplyExact(16L, decoded.input().bytes().byteSize()));
    }

    /**
     * Resolves every storage the pickle names (so a missing or mis-sized record is refused even when
     * no tensor in the tree uses it), builds the tree and names the tensors.
     *
     * @param order byte order of the storages ({@code byteorder} record)
     * @param arena the file's arena: copies of views are made there
     */
    public static Tree build(TorchPickle.Decoded decoded, StorageSource source, ByteOrder order, Arena arena,
            LoadOptions options) throws PtsafeException {
        return build(decoded, source, order, arena, options, null);
    }

    /**
     * Names the tensors of a tree another way than by its paths: a TorchScript archive's module
     * objects name theirs as {@code state_dict()} does.
     */
    @FunctionalInterface
    public interface Naming {
        /**
         * @param root the converted tree
         * @return each tensor to list, under its name, in order
         */
        List<Map.Entry<String, PyValue.TensorValue>> name(PyValue root) throws PtsafeException;
    }

    /** {@link #build(TorchPickle.Decoded, StorageSource, ByteOrder, Arena, LoadOptions)} with {@code naming} (null: by paths). */
    public static Tree build(TorchPickle.Decoded decoded, StorageSource source, ByteOrder order, Arena arena,
            LoadOptions options, Naming naming) throws PtsafeException {
        TensorTree t = new TensorTree(decoded, source, order, arena, options);
        for (StorageRef ref : decoded.storages().values()) {
            t.resolve(ref);
        }
        TreeConverter.Converted c = TreeConverter.convert(decoded.result(), t::leaf, options, decoded.input(),
                decoded.storages().size());
        return new Tree(c.root(), naming == null ? t.name(c) : t.named(naming.name(c.root())));
    }

    private List<Tensor> named(List<Map.Entry<String, PyValue.TensorValue>> names) throws PtsafeException {
        List<Tensor> out = new ArrayList<>(names.size());
        for (Map.Entry<String, PyValue.TensorValue> e : names) {
            PyValue.TensorValue t = e.getValue();
            charge(e.getKey().length());
            out.add(t.tensor().name().equals(e.getKey()) ? t.tensor() : tensor(specs.get(t), e.getKey(), false));
        }
        return out;
    }

    /** Resolves a storage the pickle named (each once: they are distinct by key). */
    private void resolve(StorageRef ref) throws PtsafeException {
        if (!budget.add(STORAGE)) {
            // the place is written only on refusal, not once per storage
            throw budget.exceeded(file, where() + ", storage '" + ref.key() + "'");
        }
        MemorySegment s = source.resolve(ref);
        segments.put(ref, s);
        named.put(ref, s);
    }

    private MemorySegment segment(StorageRef ref) throws PtsafeException {
        // The refs in tensors are, but for legacy views, the very ones the pickle named: found by
        // identity first, without hashing the record's fields.
        MemorySegment s = named.get(ref);
        if (s != null) {
            return s;
        }
        s = segments.get(ref);
        if (s == null) {
            chargeHeap(STORAGE, ref);
            s = source.resolve(ref);
            segments.put(ref, s);
        }
        return s;
    }

    private PyValue leaf(Object leaf, TreeConverter.Path path) throws PtsafeException {
        if (leaf instanceof NumpyDType d) {
            return d.asValue();
        }
        String name = path.build(options.maxStringLength());
        if (name == null) {
            throw nameTooLong();
        }
        charge(name.length());
        // Its entry in specs.
        if (!budget.add(HeapCost.IDENTITY_ENTRY)) {
            throw budget.exceeded(file, where() + ", tensor '" + shortName(name) + "'");
        }
        PyValue.TensorValue v = new PyValue.TensorValue(tensor(leaf, name, path.isKeyString()));
        specs.put(v, leaf);
        return v;
    }

    /** @param keyString whether {@code name} is the string of a dict key the tree holds (no heap of its own) */
    private Tensor tensor(Object spec, String name, boolean keyString) throws PtsafeException {
        Tensor t = switch (spec) {
            // The builder copies the arrays: the node's own are passed.
            case TensorNode n -> Tensor.builder(name, n.dtype(), n.shape(), segment(n.storage()))
                    .strides(n.strides())
                    .storageOffset(n.storageOffset()).byteOrder(order).arena(arena).file(file)
                    .quantization(quantization(n.quantization(), name)).build();
            case LegacyTensor l when l.node() != null -> tensor(l.node(), name, keyString);
            case LegacyTensor l -> throw new PtsafeException(Reason.UNSUPPORTED_FORMAT, file, where() + ": " + l.notSet());
            case NumpyArray a when a.built() -> Tensor.builder(name, a.dtype(), a.shape(), a.segment(arena))
                    .strides(a.strides()).byteOrder(a.order()).arena(arena).file(file).build();
            case NumpyArray a -> throw new PtsafeException(Reason.MALFORMED_PICKLE, file, where()
                    + ": a numpy array whose state was never set (no BUILD after _reconstruct)");
            case StorageRef r -> Tensor.builder(name, r.elementType(), new long[] {r.numel()}, segment(r))
                    .byteOrder(order).arena(arena).file(file).build();
            default -> throw new PtsafeException(Reason.MALFORMED_PICKLE, file, where()
                    + ": a value of type " + spec.getClass().getSimpleName() + " has no place in a checkpoint");
        };
        if (!budget.add(TENSOR + 2 * HeapCost.longs(t.rank()) + (keyString ? 0 : HeapCost.string(name)))) {
            // the place is written only on refusal, not once per tensor
            throw budget.exceeded(file, where() + ", tensor '" + shortName(name) + "'");
        }
        return t;
    }

    private static String shortName(String name) {
        return name.length() > 200 ? name.substring(0, 200) + "..." : name;
    }

    private void chargeHeap(long bytes, StorageRef ref) throws PtsafeException {
        if (!budget.add(bytes)) {
            throw budget.exceeded(file, where() + ", storage '" + ref.key() + "'");
        }
    }

    private void chargeHeap(long bytes, String what) throws PtsafeException {
        if (!budget.add(bytes)) {
            throw budget.exceeded(file, where() + ", " + what);
        }
    }

    /** Per-channel parameters become tensors over their own storages, named after torch's accessors. */
    private Quantization quantization(TensorNode.Quantization q, String name) throws PtsafeException {
        return switch (q) {
            case null -> null;
            case TensorNode.Quantization.PerTensor p -> new Quantization.PerTensorAffine(p.scale(), p.zeroPoint());
            case TensorNode.Quantization.PerChannel p -> new Quantization.PerChannelAffine(
                    tensor(p.scales(), name + ".q_per_channel_scales", false),
                    tensor(p.zeroPoints(), name + ".q_per_channel_zero_points", false), p.axis());
        };
    }

    /** @param keyString whether {@code path} is the string of a str key of the root dict (no heap of its own) */
    private record Visit(PyValue value, String path, boolean root, boolean keyString) {
        String child(String segment) {
            return root ? segment : path + "." + segment;
        }
    }

    private List<Tensor> name(TreeConverter.Converted c) throws PtsafeException {
        List<Tensor> out = new ArrayList<>();
        ArrayDeque<Visit> todo = new ArrayDeque<>();
        if (c.holdsLeaves(c.root())) {
            todo.push(new Visit(c.root(), "", true, false));
        }
        while (!todo.isEmpty()) {
            Visit v = todo.pop();
            if (!v.root()) {
                budget.release(VISIT + (v.keyString() ? 0 : HeapCost.string(v.path())));
            }
            switch (v.value()) {
                case PyValue.TensorValue t -> {
                    if (out.size() + 1 > options.maxTensors()) {
                        throw Limit.MAX_TENSORS.exceeded(file, where() + ": named tensors", out.size() + 1L,
                                options.maxTensors());
                    }
                    out.add(t.tensor().name().equals(v.path()) ? t.tensor() : tensor(specs.get(t), v.path(), v.keyString()));
                }
                case PyValue.Dict d -> {
                    // The copy of the entries, while they are pushed.
                    long copy = HeapCost.list(d.entries().size() + 3L);
                    chargeHeap(copy, "naming tensors");
                    List<Map.Entry<PyValue, PyValue>> entries = new ArrayList<>(d.entries().entrySet());
                    for (int i = entries.size() - 1; i >= 0; i--) {
                        var e = entries.get(i);
                        if (c.holdsLeaves(e.getValue())) {
                            String segment = Names.segment(e.getKey());
                            // A str key's segment is its own string: at the root, the path is that string.
                            boolean keyString = v.root() && e.getKey() instanceof PyValue.Str s && s.value() == segment;
                            todo.push(new Visit(e.getValue(), child(v, segment, keyString), false, keyString));
                        }
                    }
                    budget.release(copy);
                }
                case PyValue.PyList l -> pushIndexed(c, todo, v, l.items());
                case PyValue.Tuple t -> pushIndexed(c, todo, v, t.items());
                default -> { }
            }
        }
        return out;
    }

    private void pushIndexed(TreeConverter.Converted c, ArrayDeque<Visit> todo, Visit v, List<PyValue> items)
            throws PtsafeException {
        for (int i = items.size() - 1; i >= 0; i--) {
            if (c.holdsLeaves(items.get(i))) {
                todo.push(new Visit(items.get(i), child(v, Integer.toString(i), false), false, false));
            }
        }
    }

    private String child(Visit v, String segment, boolean keyString) throws PtsafeException {
        long len = v.root() ? segment.length() : (long) v.path().length() + 1 + segment.length();
        if (len > options.maxStringLength()) {
            throw nameTooLong();
        }
        charge(len);
        String path = v.child(segment);
        chargeHeap(VISIT + (keyString ? 0 : HeapCost.string(path)), "naming tensors");
        return path;
    }

    private void charge(long chars) throws PtsafeException {
        nameChars += chars;
        if (nameChars > nameBudget) {
            throw new PtsafeException(Reason.PICKLE_LIMIT, file, where() + ": tensor names add up to more than "
                    + nameBudget + " characters (16 per byte of the pickle): long keys repeated through shared values");
        }
    }

    private LimitExceededException nameTooLong() {
        return Limit.MAX_STRING_LENGTH.exceeded(Reason.PICKLE_LIMIT, file, where() + ": a tensor name",
                options.maxStringLength() + 1L, options.maxStringLength());
    }

    private String where() {
        PickleInput in = decoded.input();
        return in.entry() == null ? "the pickle" : in.entry();
    }
}
