package io.ptsafe.pickle.machine;

import io.ptsafe.Limit;
import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the machine's value graph into an immutable {@link PyValue} tree, iteratively. A value
 * shared by two parents is converted once and appears under both; a graph that refers to itself is
 * refused ({@link Reason#CYCLIC_VALUE}); nesting deeper than {@link LoadOptions#maxNestingDepth()}
 * is refused, so that the records' own recursive equals, hashCode and toString stay shallow.
 *
 * <p>Values the machine does not know (tensors, storages: whatever a {@link Meaning} or
 * {@link PersistentLoader} returned) go to a {@link Leaves} converter with the path of the first place
 * they are met in a depth-first, insertion-ordered walk ({@link Names}).
 *
 * <p>What it builds is charged to the file's {@link DecodeBudget} (the converted containers, the
 * walk's own tables), after what the machine charged for the same pickle.
 *
 * <p>Converting consumes the machine's values, so that they die while the tree is built rather than
 * after: a dict's entries are taken from it ({@code DictObj.take()}, their map entries given back),
 * the slots of dicts, lists and objects are cleared once passed, and a leaf the graph reaches at one
 * place only (a pass before the conversion counts the places) is not remembered, and is given back
 * once converted when its {@link Leaves} says what it was charged. A {@link PickleResult} is
 * converted once.
 */
public final class TreeConverter {
    /** Keys of one dict (or elements of one set) allowed to share a Java hash code. */
    static final int MAX_COLLISIONS = 32;

    /** Converts the values a table's meanings produced. */
    @FunctionalInterface
    public interface Leaves {
        /**
         * @param leaf a value that is no container, scalar or global
         * @param path where it is first met (see {@link Names})
         */
        PyValue convert(Object leaf, Path path) throws PtsafeException;

        /**
         * What the machine charged for {@code leaf} itself (not for what it refers to), given back
         * once it is converted when nothing holds it any more: met once in the graph, its container's
         * slot cleared ({@code 0}: nothing is given back).
         */
        default long charged(Object leaf) {
            return 0;
        }

        /**
         * The values {@code leaf} refers to that can also be leaves of the graph (a quantized tensor's
         * scale and zero-point tensors): a leaf referred to so is not given back when converted.
         */
        default List<?> parts(Object leaf) {
            return List.of();
        }

        /**
         * Counts one more place the graph reaches {@code leaf} at, on the leaf itself, for leaves that
         * keep such a count (a field, where the converter's own table would hash the leaf's identity
         * to count it and again to convert it): the places counted before this one, saturating at 2
         * ({@code 0} the first time); {@code -1} when the leaf keeps no count (the converter's table
         * counts it then). A leaf's count is of one conversion: a {@link PickleResult} is converted once.
         */
        default int meet(Object leaf) {
            return -1;
        }

        /** The places {@link #meet} counted for {@code leaf} (2 for more), or {@code -1} when it keeps no count. */
        default int meetings(Object leaf) {
            return -1;
        }
    }

    /** The path of a value, built only when asked for: paths can be long and most are never needed. */
    @FunctionalInterface
    public interface Path {
        /** The path (see {@link Names}), or null when it is longer than {@code maxChars}. */
        String build(long maxChars);

        /**
         * Whether {@link #build} returns the very string of a str key the tree holds already (a value
         * right under a root dict), which costs no heap of its own.
         */
        default boolean isKeyString() {
            return false;
        }
    }

    /** The path of the child the top frame is at. */
    private record StackPath(List<Frame> stack) implements Path {
        @Override
        public String build(long maxChars) {
            return path(stack, maxChars);
        }

        @Override
        public boolean isKeyString() {
            Frame f = stack.getFirst();
            return stack.size() == 1 && f.keys != null && f.keys.get(f.next) instanceof PyValue.Str;
        }
    }

    /**
     * The tree, and which of its containers hold a value from {@link Leaves} (at any depth): a walk
     * for tensors can skip every other subtree.
     */
    public record Converted(PyValue root, Set<PyValue> holdingLeaves) {
        /** Whether {@code v} is, or contains, a converted leaf. */
        public boolean holdsLeaves(PyValue v) {
            return holds(v, holdingLeaves);
        }
    }

    /**
     * A {@link PyValue.TensorValue} is a converted leaf without an entry in the set (an identity
     * entry per tensor, 24 bytes, for what its type tells): the set holds the other leaves' values
     * and the containers.
     */
    private static boolean holds(PyValue v, Set<PyValue> holding) {
        return v instanceof PyValue.TensorValue || holding.contains(v);
    }

    private final Leaves leaves;
    private final LoadOptions options;
    private final PickleInput input;
    private final DecodeBudget budget;
    /**
     * Each container and non-value leaf converted so far, with its height; {@link #OPEN} while a
     * container is being converted (meeting it again then is a cycle). One map, not three: this is
     * the hot table of opening a checkpoint.
     */
    private final IdentityHashMap<Object, Made> done;
    private final Set<PyValue> holding;
    /**
     * The leaves met more than once (by {@link #countShared}): only these are remembered in
     * {@link #done}; every other leaf is converted at its one place, and can die once converted.
     */
    private Set<Object> shared = Set.of();
    /** Charged for {@link #done} and {@link #shared}, which go when the conversion is over. */
    private long tables;

    private TreeConverter(Leaves leaves, LoadOptions options, PickleInput input, DecodeBudget budget) {
        // Containers and shared leaves only: a state dict's tensors are in neither.
        this.done = new IdentityHashMap<>();
        this.holding = Collections.newSetFromMap(new IdentityHashMap<>());
        this.leaves = leaves;
        this.options = options;
        this.input = input;
        this.budget = budget;
    }

    /** Converts the root of {@code result}, charging the budget the machine charged. */
    public static Converted convert(PickleResult result, Leaves leaves, LoadOptions options, PickleInput input)
            throws PtsafeException {
        return convert(result.root(), leaves, options, input, result.budget());
    }

    /** Converts {@code root} (a {@link PickleResult#root()}), charging {@code budget}. */
    public static Converted convert(Object root, Leaves leaves, LoadOptions options, PickleInput input,
            DecodeBudget budget) throws PtsafeException {
        TreeConverter c = new TreeConverter(leaves, options, input, budget);
        PyValue v = c.run(root);
        budget.release(c.tables);
        return new Converted(v, c.holding);
    }

    /**
     * A container being converted. Path segments are made only when a path is asked for: most never
     * are, and one string per item would cost more than the item.
     */
    private static final class Frame {
        final Object node;
        final List<Object> children;
        /**
         * Whether the slots of {@link #children} are cleared as the walk passes them: the frame's own
         * list (a dict's values, an object's arguments and state) or a list's (converted once, never
         * read again); not a tuple's, which cannot be written. What they held can then die before the
         * conversion ends, unless something else keeps it.
         */
        final boolean clears;
        /** A dict's keys, in the order of {@link #children}; null for other containers. */
        final List<PyValue> keys;
        final PyValue[] results;
        /** What the dict's map entries were charged, given back once they are taken (see {@link DictObj#take()}). */
        long taken;
        int next;
        int height;
        boolean holds;

        Frame(Object node) {
            this.node = node;
            switch (node) {
                case ListObj l -> {
                    children = l.items;
                    keys = null;
                    clears = true;
                }
                case TupleObj t -> {
                    children = t.items();
                    keys = null;
                    clears = false;
                }
                case DictObj d -> {
                    // The machine's dict lets go of its entries: the frame keeps the keys' values and the values.
                    // One pass over the entries, into two arrays (viewed as lists: set() clears a slot).
                    DictObj.Taken t = d.take();
                    int n = t.entries().size();
                    Object[] values = new Object[n];
                    PyValue[] keyValues = new PyValue[n];
                    int i = 0;
                    for (Map.Entry<Key, Object> e : t.entries().entrySet()) {
                        keyValues[i] = e.getKey().value();
                        values[i++] = e.getValue();
                    }
                    children = Arrays.asList(values);
                    keys = Arrays.asList(keyValues);
                    taken = t.charged();
                    clears = true;
                }
                case OpaqueObj o -> {
                    children = new ArrayList<>(o.args().items());
                    if (o.state() != null) {
                        children.add(o.state());
                    }
                    keys = null;
                    clears = true;
                }
                default -> throw new AssertionError(node);
            }
            this.results = new PyValue[children.size()];
        }

        /** The child at {@code i}; its slot is cleared when {@link #clears}, the child being converted now. */
        Object take(int i) {
            return clears ? children.set(i, null) : children.get(i);
        }

        String segment(int i) {
            if (keys != null) {
                return Names.segment(keys.get(i));
            }
            return node instanceof OpaqueObj o && i == o.args().size() ? "state" : Integer.toString(i);
        }

        /** The frame's own heap: results, and for a dict its lists of values and keys. */
        long cost() {
            long refs = HeapCost.align(16 + 4L * children.size());
            return FRAME + refs + (keys != null ? 2 * (24 + refs) : 0);
        }
    }

    /** A Frame and the headers of what it holds. */
    private static final long FRAME = 64;
    private static final long IDENTITY_ENTRY = HeapCost.IDENTITY_ENTRY;
    /** What a converted container adds to {@link #done} beyond its entry: its {@link Made} (charged generously). */
    private static final long HEIGHT_ENTRY = IDENTITY_ENTRY + 16;
    /** A {@link Made}: header, reference and int. */
    private static final long MADE = 24;

    /** A converted value and its height. */
    private record Made(PyValue value, int height) {
    }

    /** Marks a container whose conversion is under way. */
    private static final Made OPEN = new Made(null, -1);

    private static boolean isContainer(Object v) {
        return v instanceof ListObj || v instanceof TupleObj || v instanceof DictObj || v instanceof OpaqueObj;
    }

    /** Marks a container in {@link #countShared}'s table. */
    private static final Object CONTAINER = new Object();

    /**
     * Finds the leaves the graph reaches more than once (through two slots of containers, or as a
     * part of another leaf), before anything is converted: a table of every leaf while it runs (or
     * the leaf's own count, {@link Leaves#meet}), kept only for the shared ones, so that the
     * conversion need not keep every leaf alive to its end. Each container is expanded once (its
     * children are converted once); a leaf's parts are visited when it is first met.
     */
    private void countShared(Object root) throws PtsafeException {
        seen = new IdentityHashMap<>();
        twice = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object> todo = new ArrayDeque<>();
        counted = 0;
        visit(root, todo);
        while (!todo.isEmpty()) {
            switch (todo.pop()) {
                case ListObj l -> visitAll(l.items, todo);
                case TupleObj t -> visitAll(t.items(), todo);
                case DictObj d -> {
                    for (Object child : d.entries.values()) {
                        visit(child, todo);
                    }
                }
                case OpaqueObj o -> {
                    visitAll(o.args().items(), todo);
                    if (o.state() != null) {
                        visit(o.state(), todo);
                    }
                }
                case Object leaf -> {
                    for (Object part : leaves.parts(leaf)) {
                        if (part != null) {
                            visit(part, todo);
                        }
                    }
                }
            }
        }
        budget.release(counted);
        shared = twice;
        seen = null;
        twice = null;
    }

    /** {@link #countShared}'s table: containers and leaves that keep no count of their own. */
    private IdentityHashMap<Object, Object> seen;
    /** The shared leaves found by {@link #countShared}. */
    private Set<Object> twice;
    /** What {@link #countShared} charged for its table and work list, given back when it ends. */
    private long counted;

    private void visitAll(List<Object> children, ArrayDeque<Object> todo) throws PtsafeException {
        for (int i = 0, n = children.size(); i < n; i++) {
            visit(children.get(i), todo);
        }
    }

    /**
     * Counts one place {@code v} is met at: a container met the first time, or a leaf with parts met
     * the first time, goes on {@code todo}; a leaf met the second time is shared.
     */
    private void visit(Object v, ArrayDeque<Object> todo) throws PtsafeException {
        if (v instanceof PyValue) {
            return;
        }
        boolean container = isContainer(v);
        int before = container ? -1 : leaves.meet(v);
        if (before < 0) {
            Object was = seen.putIfAbsent(v, container ? CONTAINER : Boolean.FALSE);
            // a container met again: its children were counted once, as they are converted once
            before = was == null ? 0 : was == Boolean.FALSE ? 1 : 2;
            if (was == Boolean.FALSE) {
                seen.put(v, Boolean.TRUE);
            }
        }
        if (before == 1) {
            // its entry in shared, kept until the end
            twice.add(v);
            charge(IDENTITY_ENTRY, List.of());
            tables += IDENTITY_ENTRY;
            return;
        }
        if (before != 0) {
            return;
        }
        // its entry in the table (charged whether or not it keeps its own count), and its children's slots in todo
        List<?> parts = container ? List.of() : leaves.parts(v);
        long entry = IDENTITY_ENTRY + HeapCost.SLOT * switch (v) {
            case ListObj l -> l.items.size();
            case TupleObj t -> t.size();
            case DictObj d -> d.size();
            case OpaqueObj o -> o.args().size() + 1;
            default -> parts.size();
        };
        charge(entry, List.of());
        counted += entry;
        if (container || !parts.isEmpty()) {
            todo.push(v);
        }
    }

    private PyValue run(Object root) throws PtsafeException {
        if (!isContainer(root)) {
            return leaf(root, max -> "", List.of(), true);
        }
        countShared(root);
        ArrayList<Frame> stack = new ArrayList<>();
        open(root, stack);
        PyValue result = null;
        while (!stack.isEmpty()) {
            Frame f = stack.getLast();
            if (f.next < f.children.size()) {
                int i = f.next;
                Object child = f.take(i);
                if (child instanceof PyValue p) {
                    // Scalars and strings are already immutable values: nothing to convert or remember.
                    accept(f, i, p, Values.heightOf(p));
                    continue;
                }
                int met = isContainer(child) ? -1 : leaves.meetings(child);
                if (met == 1) {
                    // A leaf that keeps its own count, met at this one place: not in done.
                    PyValue v = leaf(child, new StackPath(stack), stack, false);
                    accept(f, i, v, leafHeight(child));
                    continue;
                }
                Made made = done.get(child);
                if (made != null && made != OPEN) {
                    accept(f, i, made.value(), made.height());
                } else if (made == OPEN) {
                    String at = path(stack, 200);
                    throw new PtsafeException(Reason.CYCLIC_VALUE, input.file(), where() + ": a " + Values.typeName(child)
                            + " at '" + (at == null ? "(a long path)" : at) + "' contains itself; ptsafe refuses "
                            + "value graphs that refer to themselves");
                } else if (isContainer(child)) {
                    open(child, stack);
                } else {
                    PyValue v = leaf(child, new StackPath(stack), stack, met < 0 ? shared.contains(child) : met > 1);
                    accept(f, i, v, leafHeight(child));
                }
                continue;
            }
            stack.removeLast();
            PyValue v = build(f, stack);
            budget.release(f.cost());
            int h = f.height + 1;
            if (h > options.maxNestingDepth()) {
                throw depth(h);
            }
            charge(IDENTITY_ENTRY + HEIGHT_ENTRY + (f.holds ? IDENTITY_ENTRY : 0), stack);
            tables += IDENTITY_ENTRY + HEIGHT_ENTRY;
            done.put(f.node, new Made(v, h));
            if (f.holds) {
                holding.add(v);
            }
            if (stack.isEmpty()) {
                result = v;
            } else {
                Frame parent = stack.getLast();
                accept(parent, parent.next, v, h);
            }
        }
        return result;
    }

    private void open(Object node, ArrayList<Frame> stack) throws PtsafeException {
        if (stack.size() + 1 > options.maxNestingDepth()) {
            throw depth(stack.size() + 1);
        }
        done.put(node, OPEN);
        Frame f = new Frame(node);
        charge(f.cost(), stack);
        // The dict's map and its Key objects are unreachable now (the frame holds what they held);
        // only the entries' charge is given back: a Key can be shared by two dicts (OrderedDict(d)).
        budget.release(f.taken);
        stack.add(f);
    }

    /** Charges the budget for the value at the path {@code stack} points to, which a refusal names. */
    private void charge(long bytes, List<Frame> stack) throws LimitExceededException {
        if (!budget.add(bytes)) {
            String at = path(stack, 200);
            throw budget.exceeded(input.file(), where() + ", converting the decoded values"
                    + (at == null ? "" : at.isEmpty() ? " (the root)" : " (at '" + at + "')"));
        }
    }

    /** The path of the child each frame is at, from the root; null when longer than {@code max}. */
    private static String path(List<Frame> stack, long max) {
        if (stack.size() == 1) {
            // A flat state dict: the key's own string, so a tensor's name and its dict key share it.
            String seg = stack.getFirst().segment(stack.getFirst().next);
            return seg.length() > max ? null : seg;
        }
        StringBuilder sb = new StringBuilder();
        for (Frame f : stack) {
            String seg = f.segment(f.next);
            if ((long) sb.length() + seg.length() + 1 > max + 1) {
                return null;
            }
            if (f != stack.getFirst()) {
                sb.append('.');
            }
            sb.append(seg);
        }
        return sb.length() > max ? null : sb.toString();
    }

    private void accept(Frame f, int i, PyValue v, int height) {
        f.results[i] = v;
        f.height = Math.max(f.height, height);
        if (holds(v, holding)) {
            f.holds = true;
        }
        f.next = i + 1;
    }

    private int leafHeight(Object v) {
        return v instanceof SetObj s ? s.height() : Values.heightOf(v);
    }

    /** @param reachedTwice whether {@code v} is reached at more than one place ({@link #countShared}) */
    private PyValue leaf(Object v, Path path, List<Frame> stack, boolean reachedTwice) throws PtsafeException {
        boolean remembered = stack.isEmpty() || reachedTwice;
        if (remembered) {
            // Its entry in done and the Made there.
            charge(IDENTITY_ENTRY + MADE, stack);
            tables += IDENTITY_ENTRY + MADE;
        }
        PyValue r = switch (v) {
            case PyValue p -> p; // only the root comes here: run() takes other values directly
            case GlobalRef g -> g.value();
            case SetObj s -> {
                // The PySet, and while it is made: the list of items, the set PySet copies, the hash codes.
                long kept = HeapCost.SET + HeapCost.MAP_ENTRY * s.size();
                long working = kept + 2 * HeapCost.align(16 + 4L * s.size());
                charge(kept + working, stack);
                checkCollisions(s.items());
                PyValue set = s.toValue();
                budget.release(working);
                yield set;
            }
            case Poison p -> throw new PtsafeException(Reason.FORBIDDEN_GLOBAL, input.file(), where()
                    + ": a value made from the forbidden global " + p.origin());
            default -> {
                PyValue c = leaves.convert(v, path);
                if (!(c instanceof PyValue.TensorValue)) {
                    charge(IDENTITY_ENTRY, stack);
                    holding.add(c);
                }
                if (!remembered && stack.getLast().clears) {
                    // Met once, its slot cleared, not in done: nothing holds it now.
                    budget.release(leaves.charged(v));
                }
                yield c;
            }
        };
        if (remembered) {
            done.put(v, new Made(r, leafHeight(v)));
        }
        return r;
    }

    /**
     * The converted container. Charged before it is made: what it keeps, and the working copies made
     * on the way (given back once it is made).
     */
    private PyValue build(Frame f, List<Frame> stack) throws PtsafeException {
        List<PyValue> items = Arrays.asList(f.results);
        int n = items.size();
        // List.copyOf copies the results twice (toArray, then List.of); only the second copy stays.
        long kept = HeapCost.list(n);
        long working = HeapCost.align(16 + 4L * n);
        switch (f.node) {
            case ListObj l -> kept += 16;
            case TupleObj t -> kept += 16;
            case OpaqueObj o -> kept += 24;
            case DictObj d -> {
                // PyValue.Dict and its compact map; while it is made: the view of keys and results
                // it copies (one short-lived entry at a time) and the collision check's hash codes.
                kept = HeapCost.dict(n);
                working = 64 + HeapCost.align(16 + 4L * n);
            }
            default -> throw new AssertionError(f.node);
        }
        charge(kept + working, stack);
        PyValue v = switch (f.node) {
            case ListObj l -> new PyValue.PyList(items);
            case TupleObj t -> new PyValue.Tuple(items);
            case DictObj d -> {
                // The keys themselves: the map's key set would make an entry per key to read them.
                checkCollisions(f.keys);
                Map<PyValue, PyValue> m = new KeyedResults(f.keys, f.results);
                yield new PyValue.Dict(m, d.kind());
            }
            case OpaqueObj o -> new PyValue.Opaque(o.global(), items.subList(0, o.args().size()),
                    o.state() == null ? null : items.get(items.size() - 1));
            default -> throw new AssertionError(f.node);
        };
        budget.release(working);
        return v;
    }

    /**
     * PyValue's maps hash keys with the records' own hash codes, which a file can make collide at
     * will (strings, ints, tuples); many keys sharing one code would make building the map quadratic.
     *
     * <p>First a linear pass counts the codes by bucket (a byte per bucket, saturating: at most 2
     * bytes a key, within the 4 charged for the sorted codes): codes shared by more than
     * {@link #MAX_COLLISIONS} keys fall in one bucket, so a file without a crowded bucket is cleared
     * without sorting. Only a crowded bucket (an attack, or distinct codes crowding by chance) pays
     * for the exact check, which sorts the codes.
     */
    private void checkCollisions(java.util.Collection<PyValue> keys) throws PtsafeException {
        if (keys.size() <= MAX_COLLISIONS) {
            return;
        }
        byte[] buckets = new byte[Integer.highestOneBit(keys.size() * 2 - 1)];
        int mask = buckets.length - 1;
        for (PyValue k : keys) {
            int h = k.hashCode();
            int b = (h ^ (h >>> 16)) & mask;
            if (buckets[b] == MAX_COLLISIONS) {
                checkCollisionsExactly(keys);
                return;
            }
            buckets[b]++;
        }
    }

    /** The exact check of {@link #checkCollisions}: sorted hash codes, so that equal codes are neighbours. */
    private void checkCollisionsExactly(java.util.Collection<PyValue> keys) throws PtsafeException {
        // An int array, not a map of boxed counts.
        int[] codes = new int[keys.size()];
        int i = 0;
        for (PyValue k : keys) {
            codes[i++] = k.hashCode();
        }
        Arrays.sort(codes);
        for (int j = MAX_COLLISIONS; j < codes.length; j++) {
            if (codes[j] == codes[j - MAX_COLLISIONS]) {
                throw new PtsafeException(Reason.PICKLE_LIMIT, input.file(), where() + ": more than " + MAX_COLLISIONS
                        + " keys of one dict or set share a hash code (" + codes[j] + "): a hash-flooding pattern");
            }
        }
    }

    private LimitExceededException depth(int h) {
        return Limit.MAX_NESTING_DEPTH.exceeded(input.file(), where() + ": values nested " + h
                + " deep", h, options.maxNestingDepth());
    }

    private String where() {
        return input.entry() == null ? "the pickle" : input.entry();
    }
}
