package io.ptsafe;

import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An inert value decoded from a checkpoint: the Python data model's plain values, tensors, and
 * opaque objects, and nothing that can run. Containers are immutable; a dict keeps insertion order.
 *
 * <p>The tree a {@link TensorFile#root()} returns is acyclic: ptsafe refuses pickles whose value
 * graph refers to itself. A value shared by two parents (tied weights, memoised objects) appears
 * under both.
 */
public sealed interface PyValue {

    /** Python {@code None}. */
    enum None implements PyValue { NONE }

    record Bool(boolean value) implements PyValue {
        public static final Bool TRUE = new Bool(true);
        public static final Bool FALSE = new Bool(false);
    }

    /** A Python int, of any size. */
    record Int(BigInteger value) implements PyValue {
        public Int {
            Objects.requireNonNull(value);
        }

        public static Int of(long v) {
            return new Int(BigInteger.valueOf(v));
        }

        /** {@return the value as a long, or an exception if it does not fit} */
        public long longValueExact() {
            return value.longValueExact();
        }
    }

    record Float(double value) implements PyValue {
    }

    record Complex(double real, double imag) implements PyValue {
    }

    record Str(String value) implements PyValue {
        public Str {
            Objects.requireNonNull(value);
        }
    }

    /** Python {@code bytes} or {@code bytearray} (see {@link #mutable()}). The array is a copy. */
    record Bytes(byte[] value, boolean mutable) implements PyValue {
        public Bytes {
            value = value.clone();
        }

        @Override
        public byte[] value() {
            return value.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes b && b.mutable == mutable && java.util.Arrays.equals(b.value, value);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(value) * 31 + Boolean.hashCode(mutable);
        }

        @Override
        public String toString() {
            return "Bytes[" + value.length + " bytes]";
        }
    }

    record Tuple(List<PyValue> items) implements PyValue {
        public Tuple {
            items = List.copyOf(items);
        }
    }

    record PyList(List<PyValue> items) implements PyValue {
        public PyList {
            items = List.copyOf(items);
        }
    }

    /** A dict, an OrderedDict ({@link #kind()} tells which) or a Counter; insertion-ordered. */
    record Dict(Map<PyValue, PyValue> entries, String kind) implements PyValue {
        public Dict {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
            Objects.requireNonNull(kind);
        }

        public Dict(Map<PyValue, PyValue> entries) {
            this(entries, "dict");
        }

        /** {@return the value under a string key, or null} */
        public PyValue get(String key) {
            return entries.get(new Str(key));
        }
    }

    /** A set or frozenset. */
    record PySet(Set<PyValue> items, boolean frozen) implements PyValue {
        public PySet {
            items = Collections.unmodifiableSet(new java.util.LinkedHashSet<>(items));
        }
    }

    /** A tensor; its bytes are read through {@link Tensor}. */
    record TensorValue(Tensor tensor) implements PyValue {
        public TensorValue {
            Objects.requireNonNull(tensor);
        }
    }

    /**
     * Something the file names that ptsafe keeps as data without giving it any behaviour: a
     * {@code torch.device}, a dtype, a {@code torch.Size}, or a global the caller declared inert
     * ({@link LoadOptions#inertGlobals()}). {@code global} is {@code module.qualname}; {@code args}
     * are what it would have been called with, {@code state} what BUILD would have set (or null).
     */
    record Opaque(String global, List<PyValue> args, PyValue state) implements PyValue {
        public Opaque {
            Objects.requireNonNull(global);
            args = List.copyOf(args);
        }
    }
}
