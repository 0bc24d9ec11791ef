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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
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
    /**
     * A Tensor (48 bytes: what it shares with the file's other tensors, its origin and equal shapes,
     * is the file's), its TensorValue (16), its slots in the list of named tensors and the file's
     * (16), its entry in the file's name index (16, an int table at most half full), its shape's slot
     * in the file's table of shapes (16), and an origin of its own (24) when its storage is not in the
     * file's mapping; its shape array (one per distinct shape, charged for every tensor), side object
     * and name aside.
     */
    private static final long TENSOR = 136;
    /** The side object of a tensor with something rare (strides kept, offset, byte order, quantizer); its strides aside. */
    private static final long RARE = 40;
    /**
     * A resolved storage: its slice of the file (40), its entry in {@link #segments} (a node and its
     * share of the table, 48) and in {@link #named} (an identity table presized for every storage,
     * up to 24: measured, 2 MiB for 100,000 storages).
     */
    private static final long STORAGE = 96 + HeapCost.IDENTITY_ENTRY;
    /** A container of the naming walk: its {@link Walk} and iterator (its path is charged as a string). */
    private static final long WALK = 64;

    /**
     * The resolved storages by the identity of the refs the pickle named (a table of at most their
     * number): the refs in tensors are, but for refs made elsewhere, the very ones the pickle named,
     * so they are found without hashing the record's fields.
     */
    private final IdentityHashMap<StorageRef, MemorySegment> named;
    /**
     * The same segments by the refs' values, made only when a tensor's ref is not one the pickle named
     * (its entries are charged with each storage, {@link #STORAGE}): null until then.
     */
    private Map<StorageRef, MemorySegment> segments;
    private final DecodeBudget budget;
    private final long nameBudget;
    private long nameChars;

    private TensorTree(TorchPickle.Decoded decoded, StorageSource source, ByteOrder order, Arena arena,
            LoadOptions options) {
        this.decoded = decoded;
        // Sized once: the storages were all named by the pickle (and each was charged there).
        this.named = new IdentityHashMap<>(decoded.storages().size());
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
        TreeConverter.Converted c = TreeConverter.convert(decoded.result(), t.new Leaves(), options, decoded.input());
        return new Tree(c.root(), naming == null ? t.name(c) : t.named(naming.name(c.root())));
    }

    private List<Tensor> named(List<Map.Entry<String, PyValue.TensorValue>> names) throws PtsafeException {
        List<Tensor> out = new ArrayList<>(names.size());
        for (Map.Entry<String, PyValue.TensorValue> e : names) {
            PyValue.TensorValue t = e.getValue();
            charge(e.getKey().length());
            out.add(t.tensor().name().equals(e.getKey()) ? t.tensor() : renamed(t.tensor(), e.getKey(), false));
        }
        return out;
    }

    /** Resolves a storage the pickle named (each once: they are distinct by key). */
    private void resolve(StorageRef ref) throws PtsafeException {
        if (!budget.add(STORAGE)) {
            // the place is written only on refusal, not once per storage
            throw budget.exceeded(file, where() + ", storage '" + ref.key() + "'");
        }
        named.put(ref, source.resolve(ref));
    }

    private MemorySegment segment(StorageRef ref) throws PtsafeException {
        MemorySegment s = named.get(ref);
        if (s != null) {
            return s;
        }
        if (segments == null) {
            // The pickle's keys are distinct: equal refs are the same storage, and found again by value.
            segments = HashMap.newHashMap(named.size() + 1);
            segments.putAll(named);
        }
        s = segments.get(ref);
        if (s == null) {
            chargeHeap(STORAGE, ref);
            s = source.resolve(ref);
            segments.put(ref, s);
        }
        return s;
    }

    /**
     * The tensors of the tree. A rebuilt tensor ({@link TensorNode}) is given back to the budget once
     * converted, when the converter lets go of it: the Tensor made of it keeps none of it (its
     * storage, kept by the table of storages, is charged on its own).
     */
    private final class Leaves implements TreeConverter.Leaves {
        @Override
        public PyValue convert(Object leaf, TreeConverter.Path path) throws PtsafeException {
            return leaf(leaf, path);
        }

        @Override
        public long charged(Object leaf) {
            return leaf instanceof TensorNode n ? TorchHeapCost.node(n) : 0;
        }

        /** A rebuilt tensor keeps its own count: the converter hashes none of them. */
        @Override
        public int meet(Object leaf) {
            return leaf instanceof TensorNode n ? n.meet() : -1;
        }

        @Override
        public int meetings(Object leaf) {
            return leaf instanceof TensorNode n ? n.meetings() : -1;
        }

        @Override
        public List<?> parts(Object leaf) {
            return switch (leaf) {
                case TensorNode n when n.quantization() instanceof TensorNode.Quantization.PerChannel p ->
                        List.of(p.scales(), p.zeroPoints());
                case LegacyTensor l when l.node() != null -> List.of(l.node());
                default -> List.of();
            };
        }
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
        return new PyValue.TensorValue(tensor(leaf, name, path.isKeyString()));
    }

    /** @param keyString whether {@code name} is the string of a dict key the tree holds (no heap of its own) */
    private Tensor tensor(Object spec, String name, boolean keyString) throws PtsafeException {
        if (spec instanceof TensorNode n) {
            // Nearly every leaf: its strides were compared when it was made, for the builder and the charge.
            boolean rowMajor = n.rowMajor();
            return charged(node(n, name, rowMajor), name, keyString, order != ByteOrder.LITTLE_ENDIAN
                    || n.storageOffset() != 0 || n.quantization() != null || !rowMajor);
        }
        return charged(build(spec, name), name, keyString, rare(spec));
    }

    /** Whether the Tensor built from {@code spec} keeps a side object (see {@link #charged}). */
    private boolean rare(Object spec) {
        return switch (spec) {
            case TensorNode n -> order != ByteOrder.LITTLE_ENDIAN || n.storageOffset() != 0 || n.quantization() != null
                    || !n.rowMajor();
            case LegacyTensor l when l.node() != null -> rare(l.node());
            case NumpyArray a -> a.order() != ByteOrder.LITTLE_ENDIAN || !rowMajor(a.shape(), a.strides());
            default -> order != ByteOrder.LITTLE_ENDIAN;
        };
    }

    private Tensor build(Object spec, String name) throws PtsafeException {
        return switch (spec) {
            case TensorNode n -> node(n, name, n.rowMajor());
            case LegacyTensor l when l.node() != null -> build(l.node(), name);
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
    }

    /**
     * The tensor of a rebuilt node. The builder copies the arrays: the node's own are passed.
     * Row-major strides (nearly every tensor's) are the builder's default and make the same tensor:
     * not passed, they are neither copied nor compared again.
     */
    private Tensor node(TensorNode n, String name, boolean rowMajor) throws PtsafeException {
        Tensor.Builder b = Tensor.builder(name, n.dtype(), n.shape(), segment(n.storage()));
        if (!rowMajor) {
            b.strides(n.strides());
        }
        return b.storageOffset(n.storageOffset()).byteOrder(order).arena(arena).file(file)
                .quantization(quantization(n.quantization(), name)).build();
    }

    /**
     * Charges {@code t}: {@link #TENSOR}, its shape, and its side object and strides when {@code rare}
     * (a storage offset, a quantizer, strides other than the row-major ones, or a byte order other
     * than little-endian: what makes {@link Tensor} keep one).
     */
    private Tensor charged(Tensor t, String name, boolean keyString, boolean rare) throws PtsafeException {
        long shape = HeapCost.longs(t.rank());
        if (!budget.add(TENSOR + shape + (rare ? RARE + shape : 0) + (keyString ? 0 : HeapCost.string(name)))) {
            // the place is written only on refusal, not once per tensor
            throw budget.exceeded(file, where() + ", tensor '" + shortName(name) + "'");
        }
        return t;
    }

    /** {@link TensorNode#rowMajor(long[], long[])}, for arrays of other origins (numpy, a built tensor). */
    private static boolean rowMajor(long[] shape, long[] strides) {
        return TensorNode.rowMajor(shape, strides);
    }

    /**
     * {@code t} under another name (a tensor reached under a second name, or named otherwise than by
     * its path): the same storage, view and quantizer, built again, as its leaf was (a per-channel
     * quantizer's scale and zero-point tensors are named after it, as torch's accessors are). No
     * table of the leaves is kept for this: they can die once converted.
     */
    private Tensor renamed(Tensor t, String name, boolean keyString) throws PtsafeException {
        Quantization q = switch (t.quantization().orElse(null)) {
            case Quantization.PerChannelAffine p -> new Quantization.PerChannelAffine(
                    renamed(p.scales(), name + ".q_per_channel_scales", false),
                    renamed(p.zeroPoints(), name + ".q_per_channel_zero_points", false), p.axis());
            case null, default -> t.quantization().orElse(null);
        };
        long[] shape = t.shape();
        long[] strides = t.strides();
        Tensor r = Tensor.builder(name, t.dtype(), shape, t.storage()).strides(strides)
                .storageOffset(t.storageOffset()).byteOrder(t.storageByteOrder()).arena(arena).file(file)
                .quantization(q).build();
        boolean rare = t.storageOffset() != 0 || q != null || t.storageByteOrder() != ByteOrder.LITTLE_ENDIAN
                || !rowMajor(shape, strides);
        return charged(r, name, keyString, rare);
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

    /**
     * A container the naming walk is in: its children are met one at a time (no record or copy per
     * child: a state dict's 100,000 tensors are named from one of these).
     */
    private static final class Walk {
        /** The container's path ("" at the root, whose children's paths are their segments). */
        final String path;
        final boolean root;
        /** Whether {@link #path} is the string of a str key of the root dict (no heap of its own). */
        final boolean keyString;
        final Iterator<Map.Entry<PyValue, PyValue>> entries;
        final List<PyValue> items;
        int next;

        Walk(PyValue value, String path, boolean root, boolean keyString) {
            this.path = path;
            this.root = root;
            this.keyString = keyString;
            this.entries = value instanceof PyValue.Dict d ? d.entries().entrySet().iterator() : null;
            this.items = switch (value) {
                case PyValue.PyList l -> l.items();
                case PyValue.Tuple t -> t.items();
                default -> List.of();
            };
        }

        String child(String segment) {
            return root ? segment : path + "." + segment;
        }
    }

    /** The containers whose tensors are listed (not those in opaque values or sets). */
    private static boolean walked(PyValue v) {
        return v instanceof PyValue.Dict || v instanceof PyValue.PyList || v instanceof PyValue.Tuple;
    }

    private List<Tensor> name(TreeConverter.Converted c) throws PtsafeException {
        // Most tensors have a storage of their own: sized for that (a slot a storage, charged with it).
        List<Tensor> out = new ArrayList<>(Math.min(decoded.storages().size(), options.maxTensors()));
        PyValue root = c.root();
        if (!c.holdsLeaves(root)) {
            return out;
        }
        if (root instanceof PyValue.TensorValue t) {
            add(out, t, "", false);
            return out;
        }
        ArrayList<Walk> stack = new ArrayList<>();
        if (walked(root)) {
            stack.add(new Walk(root, "", true, false));
        }
        while (!stack.isEmpty()) {
            Walk w = stack.getLast();
            PyValue child;
            String segment;
            boolean keyString = false;
            if (w.entries != null && w.entries.hasNext()) {
                Map.Entry<PyValue, PyValue> e = w.entries.next();
                child = e.getValue();
                if (!c.holdsLeaves(child)) {
                    continue;
                }
                segment = Names.segment(e.getKey());
                // A str key's segment is its own string: at the root, the path is that string.
                keyString = w.root && e.getKey() instanceof PyValue.Str s && s.value() == segment;
            } else if (w.next < w.items.size()) {
                int i = w.next++;
                child = w.items.get(i);
                if (!c.holdsLeaves(child)) {
                    continue;
                }
                segment = Integer.toString(i);
            } else {
                stack.removeLast();
                if (!w.root) {
                    budget.release(WALK + (w.keyString ? 0 : HeapCost.string(w.path)));
                }
                continue;
            }
            String path = child(w, segment);
            if (child instanceof PyValue.TensorValue t) {
                add(out, t, path, keyString);
            } else if (walked(child)) {
                chargeHeap(WALK + (keyString ? 0 : HeapCost.string(path)), "naming tensors");
                stack.add(new Walk(child, path, false, keyString));
            }
        }
        return out;
    }

    /** Lists {@code t} under {@code path}: its own Tensor when that is its name, else one renamed. */
    private void add(List<Tensor> out, PyValue.TensorValue t, String path, boolean keyString) throws PtsafeException {
        if (out.size() + 1 > options.maxTensors()) {
            throw Limit.MAX_TENSORS.exceeded(file, where() + ": named tensors", out.size() + 1L, options.maxTensors());
        }
        out.add(t.tensor().name().equals(path) ? t.tensor() : renamed(t.tensor(), path, keyString));
    }

    private String child(Walk w, String segment) throws PtsafeException {
        long len = w.root ? segment.length() : (long) w.path.length() + 1 + segment.length();
        if (len > options.maxStringLength()) {
            throw nameTooLong();
        }
        charge(len);
        return w.child(segment);
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
