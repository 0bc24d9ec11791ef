package io.ptsafe.pickle.machine;

import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
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
    }

    /** The path of a value, built only when asked for: paths can be long and most are never needed. */
    @FunctionalInterface
    public interface Path {
        /** The path (see {@link Names}), or null when it is longer than {@code maxChars}. */
        String build(long maxChars);
    }

    /**
     * The tree, and which of its containers hold a value from {@link Leaves} (at any depth): a walk
     * for tensors can skip every other subtree.
     */
    public record Converted(PyValue root, Set<PyValue> holdingLeaves) {
        /** Whether {@code v} is, or contains, a converted leaf. */
        public boolean holdsLeaves(PyValue v) {
            return holdingLeaves.contains(v);
        }
    }

    private final Leaves leaves;
    private final LoadOptions options;
    private final PickleInput input;
    private final IdentityHashMap<Object, PyValue> done = new IdentityHashMap<>();
    private final IdentityHashMap<Object, Integer> heights = new IdentityHashMap<>();
    private final IdentityHashMap<Object, Boolean> open = new IdentityHashMap<>();
    private final Set<PyValue> holding = Collections.newSetFromMap(new IdentityHashMap<>());

    private TreeConverter(Leaves leaves, LoadOptions options, PickleInput input) {
        this.leaves = leaves;
        this.options = options;
        this.input = input;
    }

    /** Converts {@code root} (a {@link PickleResult#root()}). */
    public static Converted convert(Object root, Leaves leaves, LoadOptions options, PickleInput input)
            throws PtsafeException {
        TreeConverter c = new TreeConverter(leaves, options, input);
        PyValue v = c.run(root);
        return new Converted(v, c.holding);
    }

    private final class Frame {
        final Object node;
        final List<Object> children;
        final List<String> segments;
        final PyValue[] results;
        int next;
        int height;
        boolean holds;

        Frame(Object node) {
            this.node = node;
            this.children = new ArrayList<>();
            this.segments = new ArrayList<>();
            switch (node) {
                case ListObj l -> indexed(l.items);
                case TupleObj t -> indexed(t.items());
                case DictObj d -> d.entries.forEach((k, v) -> {
                    children.add(v);
                    segments.add(Names.segment(k.value()));
                });
                case OpaqueObj o -> {
                    indexed(o.args().items());
                    if (o.state() != null) {
                        children.add(o.state());
                        segments.add("state");
                    }
                }
                default -> throw new AssertionError(node);
            }
            this.results = new PyValue[children.size()];
        }

        private void indexed(List<Object> items) {
            for (int i = 0; i < items.size(); i++) {
                children.add(items.get(i));
                segments.add(Integer.toString(i));
            }
        }
    }

    private static boolean isContainer(Object v) {
        return v instanceof ListObj || v instanceof TupleObj || v instanceof DictObj || v instanceof OpaqueObj;
    }

    private PyValue run(Object root) throws PtsafeException {
        if (!isContainer(root)) {
            return leaf(root, max -> "");
        }
        ArrayList<Frame> stack = new ArrayList<>();
        open(root, stack);
        PyValue result = null;
        while (!stack.isEmpty()) {
            Frame f = stack.getLast();
            if (f.next < f.children.size()) {
                int i = f.next;
                Object child = f.children.get(i);
                PyValue converted = done.get(child);
                if (converted != null) {
                    accept(f, i, converted, heights.getOrDefault(child, 0));
                } else if (open.containsKey(child)) {
                    String at = path(stack, 200);
                    throw new PtsafeException(Reason.CYCLIC_VALUE, input.file(), where() + ": a " + Values.typeName(child)
                            + " at '" + (at == null ? "(a long path)" : at) + "' contains itself; ptsafe refuses "
                            + "value graphs that refer to themselves");
                } else if (isContainer(child)) {
                    open(child, stack);
                } else {
                    PyValue v = leaf(child, max -> path(stack, max));
                    accept(f, i, v, leafHeight(child));
                }
                continue;
            }
            stack.removeLast();
            open.remove(f.node);
            PyValue v = build(f);
            int h = f.height + 1;
            if (h > options.maxNestingDepth()) {
                throw depth(h);
            }
            done.put(f.node, v);
            heights.put(f.node, h);
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
        open.put(node, Boolean.TRUE);
        stack.add(new Frame(node));
    }

    /** The path of the child each frame is at, from the root; null when longer than {@code max}. */
    private static String path(List<Frame> stack, long max) {
        StringBuilder sb = new StringBuilder();
        for (Frame f : stack) {
            String seg = f.segments.get(f.next);
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
        if (holding.contains(v)) {
            f.holds = true;
        }
        f.next = i + 1;
    }

    private int leafHeight(Object v) {
        return v instanceof SetObj s ? s.height() : Values.heightOf(v);
    }

    private PyValue leaf(Object v, Path path) throws PtsafeException {
        PyValue r = switch (v) {
            case PyValue p -> p;
            case GlobalRef g -> g.value();
            case SetObj s -> {
                checkCollisions(s.items());
                yield s.toValue();
            }
            case Poison p -> throw new PtsafeException(Reason.FORBIDDEN_GLOBAL, input.file(), where()
                    + ": a value made from the forbidden global " + p.origin());
            default -> {
                PyValue c = leaves.convert(v, path);
                holding.add(c);
                yield c;
            }
        };
        done.put(v, r);
        return r;
    }

    private PyValue build(Frame f) throws PtsafeException {
        List<PyValue> items = java.util.Arrays.asList(f.results);
        return switch (f.node) {
            case ListObj l -> new PyValue.PyList(items);
            case TupleObj t -> new PyValue.Tuple(items);
            case DictObj d -> {
                Map<PyValue, PyValue> m = new LinkedHashMap<>(Math.max(16, d.size() * 2));
                List<PyValue> keys = new ArrayList<>(d.size());
                d.entries.keySet().forEach(k -> keys.add(k.value()));
                checkCollisions(keys);
                for (int i = 0; i < keys.size(); i++) {
                    m.put(keys.get(i), items.get(i));
                }
                yield new PyValue.Dict(m, d.kind());
            }
            case OpaqueObj o -> new PyValue.Opaque(o.global(), items.subList(0, o.args().size()),
                    o.state() == null ? null : items.get(items.size() - 1));
            default -> throw new AssertionError(f.node);
        };
    }

    /**
     * PyValue's maps hash keys with the records' own hash codes, which a file can make collide at
     * will (strings, ints, tuples); many keys sharing one code would make building the map quadratic.
     */
    private void checkCollisions(java.util.Collection<PyValue> keys) throws PtsafeException {
        if (keys.size() <= MAX_COLLISIONS) {
            return;
        }
        Map<Integer, Integer> counts = new HashMap<>(keys.size() * 2);
        for (PyValue k : keys) {
            if (counts.merge(k.hashCode(), 1, Integer::sum) > MAX_COLLISIONS) {
                throw new PtsafeException(Reason.PICKLE_LIMIT, input.file(), where() + ": more than " + MAX_COLLISIONS
                        + " keys of one dict or set share a hash code (" + k.hashCode() + "): a hash-flooding pattern");
            }
        }
    }

    private LimitExceededException depth(int h) {
        return new LimitExceededException(Reason.PICKLE_LIMIT, input.file(), where() + ": values nested " + h
                + " deep", "maxNestingDepth", h, options.maxNestingDepth());
    }

    private String where() {
        return input.entry() == null ? "the pickle" : input.entry();
    }
}
