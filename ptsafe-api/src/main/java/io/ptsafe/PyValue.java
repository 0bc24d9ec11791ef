package io.ptsafe;

import java.math.BigInteger;
import java.util.Collections;
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
    enum None implements PyValue {
        /** The one {@code None}. */
        NONE
    }

    /**
     * A Python {@code bool}.
     *
     * @param value the truth value
     */
    record Bool(boolean value) implements PyValue {
        /** Python {@code True}. */
        public static final Bool TRUE = new Bool(true);
        /** Python {@code False}. */
        public static final Bool FALSE = new Bool(false);
    }

    /**
     * A Python int, of any size.
     *
     * @param value the value
     */
    record Int(BigInteger value) implements PyValue {
        /**
         * Checks the value is not null.
         *
         * @param value the value
         */
        public Int {
            Objects.requireNonNull(value);
        }

        /**
         * An int of a long value.
         *
         * @param v the value
         * @return the int
         */
        public static Int of(long v) {
            return new Int(BigInteger.valueOf(v));
        }

        /**
         * The value as a long.
         *
         * @return the value
         * @throws ArithmeticException if it does not fit in a long
         */
        public long longValueExact() {
            return value.longValueExact();
        }
    }

    /**
     * A Python {@code float}.
     *
     * @param value the value
     */
    record Float(double value) implements PyValue {
    }

    /**
     * A Python {@code complex}.
     *
     * @param real the real part
     * @param imag the imaginary part
     */
    record Complex(double real, double imag) implements PyValue {
    }

    /**
     * A Python {@code str}.
     *
     * @param value the string
     */
    record Str(String value) implements PyValue {
        /**
         * Checks the string is not null.
         *
         * @param value the string
         */
        public Str {
            Objects.requireNonNull(value);
        }
    }

    /**
     * Python {@code bytes} or {@code bytearray} (see {@link #mutable()}). The array is a copy.
     *
     * @param value the bytes
     * @param mutable true for a {@code bytearray}
     */
    record Bytes(byte[] value, boolean mutable) implements PyValue {
        /**
         * Copies the bytes.
         *
         * @param value the bytes
         * @param mutable true for a {@code bytearray}
         */
        public Bytes {
            value = value.clone();
        }

        /** {@return a copy of the bytes} */
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

    /**
     * A Python {@code tuple}.
     *
     * @param items the items, in order
     */
    record Tuple(List<PyValue> items) implements PyValue {
        /**
         * Copies the items.
         *
         * @param items the items, in order
         */
        public Tuple {
            items = List.copyOf(items);
        }
    }

    /**
     * A Python {@code list}.
     *
     * @param items the items, in order
     */
    record PyList(List<PyValue> items) implements PyValue {
        /**
         * Copies the items.
         *
         * @param items the items, in order
         */
        public PyList {
            items = List.copyOf(items);
        }
    }

    /**
     * A dict, an OrderedDict ({@link #kind()} tells which) or a Counter; insertion-ordered. Its map is
     * immutable and compact (keys and values in one array, an open-addressed table of positions:
     * about 16 bytes an entry), since a state dict's root holds one entry per tensor.
     *
     * @param entries the entries, in insertion order
     * @param kind which dict type ({@code "dict"} for a plain dict)
     */
    record Dict(Map<PyValue, PyValue> entries, String kind) implements PyValue {
        /**
         * Copies the entries, keeping their order.
         *
         * @param entries the entries, in insertion order
         * @param kind which dict type ({@code "dict"} for a plain dict)
         */
        public Dict {
            entries = CompactMap.copyOf(entries);
            Objects.requireNonNull(kind);
        }

        /**
         * A plain dict.
         *
         * @param entries the entries, in insertion order
         */
        public Dict(Map<PyValue, PyValue> entries) {
            this(entries, "dict");
        }

        /**
         * The value under a string key.
         *
         * @param key the key, as a Python {@code str}
         * @return the value, or null
         */
        public PyValue get(String key) {
            return entries.get(new Str(key));
        }
    }

    /**
     * A set or frozenset.
     *
     * @param items the items, in insertion order
     * @param frozen true for a {@code frozenset}
     */
    record PySet(Set<PyValue> items, boolean frozen) implements PyValue {
        /**
         * Copies the items, keeping their order.
         *
         * @param items the items, in insertion order
         * @param frozen true for a {@code frozenset}
         */
        public PySet {
            items = Collections.unmodifiableSet(new java.util.LinkedHashSet<>(items));
        }
    }

    /**
     * A tensor; its bytes are read through {@link Tensor}.
     *
     * @param tensor the tensor
     */
    record TensorValue(Tensor tensor) implements PyValue {
        /**
         * Checks the tensor is not null.
         *
         * @param tensor the tensor
         */
        public TensorValue {
            Objects.requireNonNull(tensor);
        }
    }

    /**
     * Something the file names that ptsafe keeps as data without giving it any behaviour: a
     * {@code torch.device}, a dtype, a {@code torch.Size}, or a global the caller declared inert
     * ({@link LoadOptions#inertGlobals()}). {@code global} is {@code module.qualname}; {@code args}
     * are what it would have been called with, {@code state} what BUILD would have set (or null).
     *
     * @param global the global's name, {@code module.qualname}
     * @param args the arguments it would have been called with
     * @param state what BUILD would have set, or null
     */
    record Opaque(String global, List<PyValue> args, PyValue state) implements PyValue {
        /**
         * Checks the name and copies the arguments.
         *
         * @param global the global's name, {@code module.qualname}
         * @param args the arguments it would have been called with
         * @param state what BUILD would have set, or null
         */
        public Opaque {
            Objects.requireNonNull(global);
            args = List.copyOf(args);
        }
    }
}
