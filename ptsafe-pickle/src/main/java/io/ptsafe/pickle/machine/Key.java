package io.ptsafe.pickle.machine;

import io.ptsafe.PyValue;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A dict key or set element: a hashable value in frozen form, with a hash computed once from its
 * structure and a per-process random seed. Java's own hash codes of strings, integers and tuples can
 * be made to collide at will, which would turn a dict of a million keys into a trillion comparisons;
 * a seeded hash cannot be aimed at.
 */
final class Key {
    private static final long SEED = new SecureRandom().nextLong();
    private static final long M = 0x9E3779B97F4A7C15L;

    private final PyValue value;
    /** What Python compares: {@link #canonical}. */
    private final PyValue canon;
    private final int hash;

    private Key(PyValue value, PyValue canon, int hash) {
        this.value = value;
        this.canon = canon;
        this.hash = hash;
    }

    /** @throws IllegalArgumentException for a NaN, which Python matches by identity only */
    static Key of(PyValue value) {
        // Strings are most keys (every name of a state dict): hashed without the work list.
        if (value instanceof PyValue.Str s) {
            return new Key(value, value, finish(strHash(SEED, s.value())));
        }
        PyValue c = canonical(value);
        return new Key(value, c, seededHash(c));
    }

    /**
     * The value Python's dict and set compare: True == 1 == 1.0 == (1+0j) and -0.0 == 0 (equal, with
     * equal hashes), so {1: a, True: b} is {1: b} to torch and must be to ptsafe too. Bools, integral
     * floats and complexes with a zero imaginary part become ints, inside tuples and frozensets too.
     * A NaN key is refused: Python finds it again only through the same object (identity), which a
     * value-based key cannot tell. Recursive, over at most {@link PickleMachine#MAX_KEY_NODES} nodes.
     */
    static PyValue canonical(PyValue v) {
        return switch (v) {
            case PyValue.Bool b -> PyValue.Int.of(b.value() ? 1 : 0);
            case PyValue.Float f -> number(f.value());
            case PyValue.Complex c -> {
                if (Double.isNaN(c.real()) || Double.isNaN(c.imag())) {
                    throw new IllegalArgumentException("a complex NaN as a dict key or set element");
                }
                yield c.imag() == 0 ? number(c.real()) : v;
            }
            case PyValue.Tuple t -> {
                List<PyValue> items = new ArrayList<>(t.items().size());
                for (PyValue item : t.items()) {
                    items.add(canonical(item));
                }
                yield new PyValue.Tuple(items);
            }
            case PyValue.PySet s -> {
                Set<PyValue> items = new LinkedHashSet<>();
                for (PyValue item : s.items()) {
                    items.add(canonical(item));
                }
                yield new PyValue.PySet(items, s.frozen());
            }
            default -> v;
        };
    }

    private static PyValue number(double d) {
        if (Double.isNaN(d)) {
            throw new IllegalArgumentException("a NaN as a dict key or set element (Python matches NaN keys by "
                    + "identity, not value)");
        }
        if (Double.isInfinite(d) || d != Math.rint(d)) {
            return new PyValue.Float(d);
        }
        return new PyValue.Int(new BigDecimal(d).toBigInteger()); // -0.0 and 0.0 both become 0
    }

    private static long strHash(long h, String str) {
        int n = str.length();
        h = mix(mix(h, 7), n);
        int k = 0;
        // Four characters (16 bits each) a round: a quarter of the multiplications. The length is
        // mixed in first, so a shorter last group cannot collide with a longer string.
        for (; k + 4 <= n; k += 4) {
            h = mix(h, str.charAt(k) | (long) str.charAt(k + 1) << 16 | (long) str.charAt(k + 2) << 32
                    | (long) str.charAt(k + 3) << 48);
        }
        for (; k < n; k++) {
            h = mix(h, str.charAt(k));
        }
        return h;
    }

    private static int finish(long h) {
        return (int) (h ^ (h >>> 32));
    }

    PyValue value() {
        return value;
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Key k && k.hash == hash && k.canon.equals(canon);
    }

    private static long mix(long h, long x) {
        h = (h ^ x) * M;
        return h ^ (h >>> 29);
    }

    /** Iterative: the caller bounds a key's size, but not the depth of the Java stack. */
    private static int seededHash(PyValue root) {
        long h = SEED;
        ArrayDeque<PyValue> todo = new ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            PyValue v = todo.pop();
            switch (v) {
                case PyValue.None n -> h = mix(h, 1);
                case PyValue.Bool b -> h = mix(h, b.value() ? 3 : 2);
                case PyValue.Int i -> {
                    BigInteger x = i.value();
                    h = mix(h, 4);
                    if (x.bitLength() < 64) {
                        h = mix(h, x.longValue());
                    } else {
                        for (byte by : x.toByteArray()) {
                            h = mix(h, by);
                        }
                    }
                }
                case PyValue.Float f -> h = mix(mix(h, 5), Double.doubleToLongBits(f.value()));
                case PyValue.Complex c -> h = mix(mix(mix(h, 6), Double.doubleToLongBits(c.real())),
                        Double.doubleToLongBits(c.imag()));
                case PyValue.Str s -> h = strHash(h, s.value());
                case PyValue.Bytes b -> {
                    byte[] a = b.value();
                    h = mix(mix(h, b.mutable() ? 9 : 8), a.length);
                    for (byte by : a) {
                        h = mix(h, by);
                    }
                }
                case PyValue.Tuple t -> {
                    h = mix(mix(h, 10), t.items().size());
                    pushAll(todo, t.items());
                }
                case PyValue.PyList l -> {
                    h = mix(mix(h, 11), l.items().size());
                    pushAll(todo, l.items());
                }
                case PyValue.PySet s -> {
                    // Order-independent, as set equality is; elements are themselves bounded keys.
                    long sum = 0;
                    for (PyValue e : s.items()) {
                        sum += seededHash(e);
                    }
                    h = mix(mix(mix(h, 12), s.items().size()), sum);
                }
                case PyValue.Opaque o -> {
                    h = mix(mix(h, 13), o.global().hashCode());
                    if (o.state() != null) {
                        todo.push(o.state());
                    }
                    pushAll(todo, o.args());
                }
                case PyValue.Dict d -> h = mix(mix(h, 14), d.entries().size());
                case PyValue.TensorValue t -> h = mix(h, System.identityHashCode(t.tensor()));
            }
        }
        return finish(h);
    }

    private static void pushAll(ArrayDeque<PyValue> todo, List<PyValue> items) {
        for (int k = items.size() - 1; k >= 0; k--) {
            todo.push(items.get(k));
        }
    }
}
