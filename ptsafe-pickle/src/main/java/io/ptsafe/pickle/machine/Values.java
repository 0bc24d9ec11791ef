package io.ptsafe.pickle.machine;

import io.ptsafe.PyValue;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** What the machine needs to know about any machine value: its type name, hashable form and size. */
public final class Values {
    private Values() {
    }

    /** The Python type name of a machine value, for messages. */
    public static String typeName(Object v) {
        return switch (v) {
            case null -> "nothing";
            case PyValue.None n -> "None";
            case PyValue.Bool b -> "bool";
            case PyValue.Int i -> "int";
            case PyValue.Float f -> "float";
            case PyValue.Complex c -> "complex";
            case PyValue.Str s -> "str";
            case PyValue.Bytes b -> b.mutable() ? "bytearray" : "bytes";
            case PyValue.Tuple t -> "tuple";
            case PyValue.PyList l -> "list";
            case PyValue.Dict d -> d.kind();
            case PyValue.PySet s -> s.frozen() ? "frozenset" : "set";
            case PyValue.Opaque o -> o.global();
            case PyValue.TensorValue t -> "tensor";
            case ListObj l -> "list";
            case TupleObj t -> "tuple";
            case DictObj d -> d.kind();
            case SetObj s -> s.isFrozen() ? "frozenset" : "set";
            case GlobalRef g -> g.name();
            case OpaqueObj o -> o.global() + " instance";
            case Poison p -> p.toString();
            default -> v.toString();
        };
    }

    /** The hashable form of a machine value (see {@link #freeze}), or null when it is unhashable. */
    public static PyValue hashable(Object v) {
        return freeze(v);
    }

    /**
     * The hashable form of a machine value, or null when Python would call it unhashable (list,
     * dict, set, bytearray) or ptsafe treats it so (tensors, instances of inert globals).
     */
    static PyValue freeze(Object v) {
        return switch (v) {
            case PyValue.Bytes b when b.mutable() -> null;
            case PyValue.TensorValue t -> null;
            case PyValue.Dict d -> null;
            case PyValue.PyList l -> null;
            case PyValue.PySet s when !s.frozen() -> null;
            case PyValue p -> p;
            case TupleObj t -> t.frozen();
            case SetObj s -> s.isFrozen() ? s.toValue() : null;
            case GlobalRef g -> g.value();
            case Poison p -> new PyValue.Opaque(p.toString(), java.util.List.of(), null);
            default -> null;
        };
    }

    /** Whether {@link #freeze} gives a value (without making it). */
    static boolean isHashable(Object v) {
        return switch (v) {
            case PyValue.Bytes b when b.mutable() -> false;
            case PyValue.TensorValue t -> false;
            case PyValue.Dict d -> false;
            case PyValue.PyList l -> false;
            case PyValue.PySet s when !s.frozen() -> false;
            case PyValue p -> true;
            case TupleObj t -> t.isHashable();
            case SetObj s -> s.isFrozen();
            case GlobalRef g -> true;
            case Poison p -> true;
            default -> false;
        };
    }

    /**
     * Makes the hashable form of a hashable tuple and of the tuples in it that have none yet,
     * innermost first, without recursion (nesting is bounded, but not the Java stack).
     */
    static PyValue freezeTuple(TupleObj root) {
        ArrayDeque<TupleObj> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            TupleObj t = todo.peek();
            if (t.madeFrozen() != null) {
                todo.pop();
                continue;
            }
            boolean ready = true;
            for (Object item : t.items()) {
                if (item instanceof TupleObj c && c.madeFrozen() == null) {
                    todo.push(c);
                    ready = false;
                }
            }
            if (ready) {
                todo.pop();
                List<PyValue> items = new ArrayList<>(t.size());
                for (Object item : t.items()) {
                    items.add(freeze(item));
                }
                t.setFrozen(new PyValue.Tuple(items));
            }
        }
        return root.madeFrozen();
    }

    /** Container nesting of a value (0 for a scalar); a lower bound for mutable containers. */
    static int heightOf(Object v) {
        return switch (v) {
            case TupleObj t -> t.height();
            case SetObj s -> s.height();
            case ListObj l -> 1;
            case DictObj d -> 1;
            case OpaqueObj o -> 1;
            case PyValue.Tuple t -> 1;
            case PyValue.PySet s -> 1;
            case PyValue.Opaque o -> o.args().isEmpty() ? 0 : 1;
            default -> 0;
        };
    }

    /** Nodes of a hashable value counted as a tree, saturating just over {@code limit}. */
    static int keyNodes(Object v, int limit) {
        return switch (v) {
            case TupleObj t -> t.keyNodes();
            case SetObj s -> s.keyNodes();
            case PyValue.Tuple t -> count(t, limit);
            case PyValue.PySet s -> count(s, limit);
            case PyValue.Opaque o -> count(o, limit);
            default -> 1;
        };
    }

    private static int count(PyValue root, int limit) {
        ArrayDeque<PyValue> todo = new ArrayDeque<>();
        todo.push(root);
        int n = 0;
        while (!todo.isEmpty() && n <= limit) {
            PyValue v = todo.pop();
            n++;
            // Push no more children than could still fit under the limit: only saturation matters.
            int room = limit + 1 - n - todo.size();
            switch (v) {
                case PyValue.Tuple t -> pushSome(todo, t.items(), room);
                case PyValue.PyList l -> pushSome(todo, l.items(), room);
                case PyValue.PySet s -> pushSome(todo, s.items(), room);
                case PyValue.Opaque o -> {
                    pushSome(todo, o.args(), room);
                    if (o.state() != null && room > o.args().size()) {
                        todo.push(o.state());
                    }
                }
                default -> { }
            }
        }
        return Math.min(n + todo.size(), limit + 1);
    }

    private static void pushSome(ArrayDeque<PyValue> todo, java.util.Collection<PyValue> items, int room) {
        int k = 0;
        for (PyValue i : items) {
            if (k++ >= room) {
                return;
            }
            todo.push(i);
        }
    }
}
