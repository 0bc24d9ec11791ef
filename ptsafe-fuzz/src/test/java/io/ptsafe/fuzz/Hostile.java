package io.ptsafe.fuzz;

import io.ptsafe.DType;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.TensorFileClosedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every fuzz target shares: the options, the temporary file the input is written to, the
 * property (only {@link PtsafeException} may escape, naming the file) and a caller that reads
 * everything an open file offers, as an application would.
 */
public final class Hostile {
    /**
     * The defaults, except where a small input could make the fuzzer spend seconds on one
     * execution without reaching new code: opcodes (each costs a byte, but the memo and
     * containers multiply the work), stack and container sizes, inflated bytes (a 4 GiB budget
     * lets a 20 MB zip bomb inflate for seconds). Nesting depth, rank, string lengths, header
     * size and every other limit keep their defaults: those are what users run with.
     * {@code -Dptsafe.fuzz.defaults=true} fuzzes with the defaults unchanged.
     */
    public static final LoadOptions OPTIONS = Boolean.getBoolean("ptsafe.fuzz.defaults") ? LoadOptions.defaults()
            : LoadOptions.builder()
                    .maxPickleOpcodes(1_000_000)
                    .maxStackSize(100_000)
                    .maxContainerItems(100_000)
                    .maxMemoEntries(100_000)
                    .maxInflatedBytes(16L << 20)
                    .build();

    /**
     * Largest copy the caller asks for. A view's {@link Tensor#data()} is a copy of its size, which
     * a tiny file can make huge (stride 0 repeats one element): a careful caller checks
     * {@link Tensor#byteSize()} first, as this one does. Zero-copy data is bounded by the file.
     */
    static final long COPY_BUDGET = 16L << 20;

    private Hostile() {
    }

    /** Writes {@code bytes} to {@code name} in {@code dir} (replacing it): the fuzz input as a file. */
    static Path file(Path dir, String name, byte[] bytes) {
        Path p = dir.resolve(name);
        try {
            Files.write(p, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /**
     * The property: a refusal is a {@link PtsafeException} with a reason, naming the file. Anything
     * else escaping (RuntimeException, Error, a plain IOException) is a finding.
     */
    static void refused(PtsafeException e, Path file) {
        if (e.reason() == null || e.getMessage() == null || e.getMessage().isBlank()) {
            throw new AssertionError("refusal without reason or message", e);
        }
        // a sharded set's refusal may name a shard beside the index
        if (file != null && (e.file() == null || !file.toAbsolutePath().getParent().equals(e.file().toAbsolutePath().getParent()))) {
            throw new AssertionError("refusal does not name the file " + file + ": " + e.getMessage(), e);
        }
    }

    /** A read the caller asked wrongly (unchecked): its message must name the tensor. */
    static void declined(RuntimeException e, Tensor t) {
        if (e.getMessage() == null || !e.getMessage().contains("tensor '" + t.name() + "'")) {
            throw new AssertionError("an unchecked refusal that does not name the tensor " + t.name(), e);
        }
    }

    /** Opens a file, for {@link #openReadClose}. */
    @FunctionalInterface
    interface Opener {
        TensorFile open(Path p) throws IOException;
    }

    /**
     * The whole life of a file as an application lives it: open, read everything, close, then every
     * tensor must refuse reads as closed. A refusal at opening must satisfy {@link #refused}.
     */
    static void openReadClose(Path p, Opener opener) throws IOException {
        TensorFile opened = null;
        try (TensorFile f = opener.open(p)) {
            opened = f;
            readAll(f);
        } catch (PtsafeException e) {
            refused(e, p);
        }
        if (opened != null) {
            afterClose(opened);
        }
    }

    /** Reads everything {@code f} offers; refusals of individual reads are fine, anything else is not. */
    static void readAll(TensorFile f) {
        f.path();
        f.format();
        f.metadata().forEach((k, v) -> {
            if (k == null || v == null) {
                throw new AssertionError("null metadata entry");
            }
        });
        walk(f.root());
        for (Tensor t : f.tensors()) {
            read(t, f.path());
            if (f.findTensor(t.name()).isEmpty()) {
                throw new AssertionError("listed tensor not found by name: " + t.name());
            }
        }
    }

    /** Every read of one tensor: bytes, widening, raw copies, slices. */
    static void read(Tensor t, Path file) {
        long[] shape = t.shape();
        t.strides();
        t.toString();
        byte[] bytes = null; // the tensor's bytes, when small enough to compare the other reads with
        try {
            if (!t.isView() || t.byteSize() <= COPY_BUDGET) {
                MemorySegment d = t.data();
                if (d.byteSize() != t.byteSize()) {
                    throw new AssertionError(t + ": data() has " + d.byteSize() + " bytes, byteSize() " + t.byteSize());
                }
                touch(d);
                if (t.byteSize() <= COPY_BUDGET) {
                    bytes = d.toArray(ValueLayout.JAVA_BYTE);
                    byte[] copy = new byte[(int) t.byteSize()];
                    t.copyInto(copy, 0);
                    same(t, "copyInto(byte[])", bytes, copy);
                    t.asByteBuffer();
                    rawCopies(t);
                    exactCopies(t);
                }
            }
        } catch (UnsupportedOperationException e) {
            declined(e, t);
        }
        try {
            // Dtypes that cannot widen are refused before anything is allocated, whatever their size.
            if (!widens(t.dtype()) || t.numel() * 4 <= COPY_BUDGET) {
                float[] a = t.toFloatArray();
                if (a.length != t.numel()) {
                    throw new AssertionError(t + ": toFloatArray() has " + a.length + " elements, numel() " + t.numel());
                }
                if (t.dtype() == DType.F32 && bytes != null) {
                    for (int i = 0; i < a.length; i++) {
                        if (Float.floatToRawIntBits(a[i]) != MemorySegment.ofArray(bytes).get(I32_LE, 4L * i)) {
                            throw new AssertionError(t + ": toFloatArray()[" + i + "] differs from data()");
                        }
                    }
                }
            }
        } catch (UnsupportedOperationException e) {
            declined(e, t);
        }
        if (shape.length > 0 && shape[0] > 0) {
            try {
                long start = shape[0] / 2;
                Tensor s = t.slice(start, shape[0]);
                if (!s.isView() || s.byteSize() <= COPY_BUDGET) {
                    MemorySegment d = s.data();
                    touch(d);
                    if (bytes != null) {
                        long rowBits = t.numel() / shape[0] * t.dtype().bits();
                        same(s, "slice(" + start + ", " + shape[0] + ")",
                                java.util.Arrays.copyOfRange(bytes, (int) (start * rowBits / 8), bytes.length),
                                d.toArray(ValueLayout.JAVA_BYTE));
                    }
                }
            } catch (UnsupportedOperationException | IllegalArgumentException e) {
                declined(e, t); // a copy too large to allocate; rows of a packed dtype that do not start on a byte
            }
        }
    }

    /** The exact conversions: each returns numel() values or refuses the dtype, and nothing else. */
    private static void exactCopies(Tensor t) {
        List<java.util.function.ToIntFunction<Tensor>> conversions = List.of(x -> x.toLongArray().length,
                x -> x.toIntArray().length, x -> x.toShortArray().length, x -> x.toByteArray().length,
                x -> x.toDoubleArray().length);
        for (java.util.function.ToIntFunction<Tensor> c : conversions) {
            try {
                int n = c.applyAsInt(t);
                if (n != t.numel()) {
                    throw new AssertionError(t + ": a conversion gave " + n + " values");
                }
            } catch (UnsupportedOperationException e) {
                declined(e, t);
            }
        }
        if (t.rank() > 1 && t.shape()[t.rank() - 1] > 1 && !t.dtype().isSubByte()) {
            long last = t.shape()[t.rank() - 1];
            try {
                Tensor s = t.slice(t.rank() - 1, last / 2, last);
                if (s.numel() * t.dtype().byteSize() <= COPY_BUDGET) {
                    touch(s.data());
                }
            } catch (IllegalArgumentException e) {
                declined(e, t); // the packed last dimension of a tensor quantized per channel along it
            }
        }
    }

    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED
            .withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

    private static void same(Tensor t, String what, byte[] want, byte[] got) {
        if (!java.util.Arrays.equals(want, got)) {
            throw new AssertionError(t + ": " + what + " differs from the bytes of data()");
        }
    }

    /** The raw copies whose element width matches the dtype (the others are refused, also tried). */
    private static void rawCopies(Tensor t) {
        int n = (int) t.numel();
        switch (t.dtype().byteSize()) {
            case 2 -> t.copyInto(new short[n], 0);
            case 4 -> t.copyInto(new int[n], 0);
            case 8 -> {
                if (t.dtype() == DType.F64) {
                    t.copyInto(new double[n], 0);
                    t.toDoubleArray();
                } else {
                    t.copyInto(new long[n], 0);
                }
            }
            default -> {
                try {
                    t.copyInto(new int[0], 0);
                    throw new AssertionError(t + ": copied into an int[]");
                } catch (UnsupportedOperationException e) {
                    declined(e, t);
                }
            }
        }
    }

    /** Every tensor of a closed file refuses reads with the closed error, and nothing else. */
    static void afterClose(TensorFile f) {
        for (Tensor t : f.tensors()) {
            try {
                t.data();
                throw new AssertionError(t + ": data() after close");
            } catch (TensorFileClosedException e) {
                // the one answer
            } catch (RuntimeException e) {
                throw new AssertionError(t + ": after close, " + e.getMessage(), e);
            }
        }
    }

    static boolean widens(DType d) {
        return d.isFloatingPoint() && d != DType.F64 && !d.isSubByte();
    }

    /** Reads every byte (a fault on mapped memory would show here). */
    private static long touch(MemorySegment d) {
        long sum = 0;
        long n = d.byteSize();
        long i = 0;
        for (; i + 8 <= n; i += 8) {
            sum += d.get(ValueLayout.JAVA_LONG_UNALIGNED, i);
        }
        for (; i < n; i++) {
            sum += d.get(ValueLayout.JAVA_BYTE, i);
        }
        return sum;
    }

    /** Visits the value tree once per distinct node (shared values are walked once). */
    static int walk(PyValue root) {
        Map<PyValue, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<PyValue> todo = new ArrayDeque<>();
        todo.push(root);
        int nodes = 0;
        while (!todo.isEmpty()) {
            PyValue v = todo.pop();
            if (v == null) {
                throw new AssertionError("null in the value tree");
            }
            if (seen.put(v, Boolean.TRUE) != null) {
                continue;
            }
            nodes++;
            switch (v) {
                case PyValue.Dict d -> d.entries().forEach((k, x) -> {
                    todo.push(k);
                    todo.push(x);
                });
                case PyValue.PyList l -> l.items().forEach(todo::push);
                case PyValue.Tuple t -> t.items().forEach(todo::push);
                case PyValue.PySet s -> s.items().forEach(todo::push);
                case PyValue.Opaque o -> {
                    o.args().forEach(todo::push);
                    if (o.state() != null) {
                        todo.push(o.state());
                    }
                }
                case PyValue.TensorValue tv -> tv.tensor().name();
                default -> v.toString();
            }
        }
        return nodes;
    }
}
