package io.ptsafe.pickle.machine;

import io.ptsafe.PyValue;
import java.math.BigInteger;
import java.util.function.ToLongFunction;

/**
 * What decoded values cost in heap, for {@link DecodeBudget}: shallow sizes on a 64-bit HotSpot JVM
 * with compressed references (12-byte object headers, 4-byte references, 8-byte alignment), rounded
 * up, plus the slack of growable tables. Each figure is what one operation leaves retained; the
 * sums are checked against measured heaps by ptsafe-fuzz's {@code PickleCost}.
 */
public final class HeapCost {
    /** Bytes of a reference slot in a growable array (4, with up to 1.5x growth slack, rounded up). */
    static final long SLOT = 8;
    /** A ListObj with its ArrayList and first array of 10. */
    static final long LIST = 96;
    /** A DictObj with its LinkedHashMap, before its first entry. */
    static final long DICT = 96;
    /** The first table of a LinkedHashMap (16 slots), made with its first entry. */
    static final long FIRST_TABLE = 80;
    /** A SetObj with its LinkedHashSet, map and first table, and the PySet copy of a frozenset. */
    static final long SET = 320;
    /** A LinkedHashMap entry and its share of the table (load factor 0.75, power-of-two tables). */
    static final long MAP_ENTRY = 56;
    /** A dict key or set element: its {@link Key}. */
    static final long KEY = 24;
    /** A tuple's hashable form, per node of a key: a PyValue.Tuple and its list (items counted as nodes). */
    static final long FROZEN_NODE = 64;
    /** An entry of an IdentityHashMap: two slots of a table kept at most a third full. */
    public static final long IDENTITY_ENTRY = 24;
    /** An instance of an inert global (its arguments are a tuple charged on its own). */
    static final long OPAQUE_OBJ = 24;
    /** A global known to the table: GlobalRef, its Opaque value, its entry in the name map. */
    static final long GLOBAL_REF = 96;
    /** One use of a global: its GlobalUse record and list slots, and three strings' headers. */
    static final long GLOBAL_USE = 176;
    /** A value from a meaning or persistent loader the caller gave no estimate for. */
    static final long OTHER = 128;

    private HeapCost() {
    }

    /** {@code n} bytes rounded up to the 8-byte object alignment. */
    static long align(long n) {
        return (n + 7) & ~7L;
    }

    /** A byte[] of {@code n} bytes. */
    public static long bytes(long n) {
        return align(16 + n);
    }

    /** A long[] of {@code n} elements. */
    public static long longs(long n) {
        return align(16 + 8 * n);
    }

    /** An immutable list of {@code n} references ({@code List.of}, {@code List.copyOf}). */
    public static long list(long n) {
        return n <= 2 ? 24 : 24 + align(16 + 4 * n);
    }

    /**
     * A {@link PyValue.Dict} of {@code n} entries: the record (16), its compact map (32), the array of
     * keys and values, and the table of positions (the smallest power of two at least 2n, at least 2).
     */
    public static long dict(long n) {
        long table = Math.max(2, Long.highestOneBit(Math.max(1, 2 * n - 1)) << 1);
        return 16 + 32 + align(16 + 8 * n) + align(16 + 4 * table);
    }

    /** A String of {@code chars} characters, header and array, counted as UTF-16 (Latin-1 takes half). */
    public static long string(long chars) {
        return 24 + bytes(2 * chars);
    }

    /** {@code s}: one byte a character when every character is Latin-1 (compact strings), else two. */
    public static long string(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0xff) {
                return string(s.length());
            }
        }
        return 24 + bytes(s.length());
    }

    /** {@link #of} a tuple the machine made: known without the type switch (most pushes of a data.pkl). */
    static long tuple(TupleObj t) {
        return t == TupleObj.EMPTY ? 0 : 40 + 40 + align(16 + 4L * t.size());
    }

    /**
     * {@link #of} a str decoded strictly from {@code utf8Bytes} bytes of UTF-8: as many characters as
     * bytes means every byte was ASCII (any longer sequence gives fewer characters), so Latin-1,
     * one byte a character, without looking at the characters again.
     */
    static long str(PyValue.Str s, int utf8Bytes) {
        return s.value().length() == utf8Bytes ? 16 + 24 + bytes(utf8Bytes) : 16 + string(s.value());
    }

    /**
     * The heap a value the machine just created takes, its items aside (list and dict items are
     * charged as they are added; a tuple's references are part of it). Singletons cost nothing.
     *
     * @param other estimates values the machine does not know (tensors, storages, from the table)
     */
    static long of(Object v, ToLongFunction<Object> other) {
        // What a call or a persistent id returns, before the switch: an OrderedDict, or a value only
        // the caller knows (a tensor, a storage), which the switch would find only at its default.
        if (v instanceof DictObj) {
            return DICT;
        }
        if (!(v instanceof PyValue) && !(v instanceof TupleObj) && !(v instanceof ListObj) && !(v instanceof SetObj)
                && !(v instanceof OpaqueObj) && !(v instanceof GlobalRef) && !(v instanceof Poison)) {
            return other.applyAsLong(v);
        }
        return switch (v) {
            case PyValue.None n -> 0;
            case PyValue.Bool b -> 0;
            // PyValue.Int unless the machine shares it (0 to 255), and unless BigInteger.valueOf shares
            // it (-16 to 16), its BigInteger and magnitude.
            case PyValue.Int i when PickleMachine.shared(i) -> 0;
            case PyValue.Int i -> i.value().bitLength() < 5 && i.value() == BigInteger.valueOf(i.value().intValue()) ? 16
                    : 16 + 40 + align(16 + 4L * (i.value().bitLength() / 32 + 1));
            case PyValue.Float f -> 24;
            case PyValue.Complex c -> 32;
            case PyValue.Str s -> 16 + string(s.value());
            case PyValue.Bytes b -> 24 + bytes(b.value().length);
            case PyValue.Opaque o -> 24 + list(o.args().size());
            case PyValue.Tuple t -> 16 + list(t.items().size());
            case PyValue.PyList l -> 16 + list(l.items().size());
            case PyValue.Dict d -> dict(d.entries().size());
            case PyValue.PySet s -> 16 + 24 + DICT + FIRST_TABLE + MAP_ENTRY * s.items().size();
            case PyValue.TensorValue t -> 16 + other.applyAsLong(t.tensor());
            // TupleObj (40 with its region) and its items: an array, and a list view over it (16; charged
            // 40, as the two lists it replaced); its hashable form is charged if a key needs it.
            case TupleObj t -> tuple(t);
            case ListObj l -> LIST + SLOT * l.items.size();
            case DictObj d -> DICT;
            case SetObj s -> SET;
            case OpaqueObj o -> OPAQUE_OBJ;
            case GlobalRef g -> 0;
            case Poison p -> 16 + string(p.origin());
            default -> other.applyAsLong(v);
        };
    }
}
