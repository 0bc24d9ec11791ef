package io.ptsafe.pickle.torch;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Quantization;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.scan.ScanReport;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a user sees of an open (or a scan), rendered exactly as text, with {@link StateDictLane} on or
 * off: two renderings are equal when the two paths gave the same refusal (exception class, reason and
 * message) or the same file (format, metadata, every tensor's name, dtype, geometry, byte order,
 * quantization and bytes, which tensors share a storage, and the whole root tree). Text rather than
 * {@code equals}: {@link PyValue.TensorValue} compares tensors by identity, and a failed comparison
 * of two texts shows where they part.
 */
final class LaneOutcomes {
    /** The largest view whose data() is copied and hashed (as {@code Hostile.COPY_BUDGET} in ptsafe-fuzz). */
    static final long VIEW_COPY_LIMIT = 16L << 20;

    private LaneOutcomes() {
    }

    /** One open: its rendering and whether the lane took the pickle (counted by {@link StateDictLane#TAKEN}). */
    record Outcome(String text, int taken) {
    }

    /** Opens {@code file} with the lane on or off and renders what came of it. */
    static Outcome open(Path file, LoadOptions options, boolean lane) {
        return run(lane, () -> {
            try (TensorFile f = SafeLoader.open(file, options)) {
                return render(f);
            }
        });
    }

    /** Opens bytes in memory (as {@link SafeLoader#open(byte[], String, LoadOptions)}) with the lane on or off. */
    static Outcome open(byte[] content, String name, LoadOptions options, boolean lane) {
        return run(lane, () -> {
            try (TensorFile f = SafeLoader.open(content, name, options)) {
                return render(f);
            }
        });
    }

    /** Scans {@code file} with the lane on or off and renders the report. */
    static Outcome scan(Path file, LoadOptions options, boolean lane) {
        return run(lane, () -> render(SafeLoader.scan(file, options)));
    }

    interface Action {
        String run() throws Exception;
    }

    private static Outcome run(boolean lane, Action action) {
        int[] taken = new int[1];
        String text = ScopedValue.where(StateDictLane.ENABLED, lane).where(StateDictLane.TAKEN, taken)
                .call(() -> {
                    try {
                        return action.run();
                    } catch (PtsafeException e) {
                        return "refused " + e.getClass().getSimpleName() + " " + e.reason() + ": " + e.getMessage();
                    } catch (Exception | StackOverflowError e) {
                        // Not a refusal: rendered so that the two paths must still agree, and the
                        // difference, if any, shows which one threw.
                        return "THREW " + e.getClass().getName() + ": " + e.getMessage();
                    }
                });
        return new Outcome(text, taken[0]);
    }

    static String render(TensorFile f) {
        StringBuilder sb = new StringBuilder();
        sb.append("format ").append(f.format()).append('\n');
        sb.append("metadata ").append(new TreeMap<>(f.metadata())).append('\n');
        Map<Long, Integer> storages = new TreeMap<>();
        List<Tensor> tensors = f.tensors();
        sb.append("tensors ").append(tensors.size()).append('\n');
        for (Tensor t : tensors) {
            sb.append("  ");
            tensor(t, storages, sb);
            sb.append('\n');
        }
        sb.append("keys ").append(f.keys()).append('\n');
        sb.append("root ");
        value(f.root(), new IdentityHashMap<>(), storages, sb);
        return sb.append('\n').toString();
    }

    private static void tensor(Tensor t, Map<Long, Integer> storages, StringBuilder sb) {
        sb.append("Tensor(").append(quoted(t.name())).append(' ').append(t.dtype())
                .append(" shape ").append(java.util.Arrays.toString(t.shape()))
                .append(" strides ").append(java.util.Arrays.toString(t.strides()))
                .append(" offset ").append(t.storageOffset())
                .append(' ').append(t.storageByteOrder())
                .append(" view ").append(t.isView());
        try {
            MemorySegment storage = t.storage();
            if (storage.byteSize() == 0) {
                // Where an empty storage points says nothing: not compared.
                sb.append(" storage empty");
            } else {
                // Which tensors share a storage: by the storage's address, numbered by first sight
                // (two opens map the file at different addresses).
                Integer id = storages.computeIfAbsent(storage.address(), a -> storages.size());
                sb.append(" storage #").append(id).append(' ').append(storage.byteSize()).append(" bytes sha256 ")
                        .append(sha256(storage));
            }
            if (t.isView() && t.byteSize() > VIEW_COPY_LIMIT) {
                // A view's data() is a copy of its size, which a few bytes of pickle can make huge (stride 0):
                // its storage and geometry, rendered above, already decide it.
                sb.append(" data not copied");
            } else {
                sb.append(" data sha256 ").append(sha256(t.data()));
            }
        } catch (RuntimeException e) {
            sb.append(" data THREW ").append(e.getClass().getName()).append(": ").append(e.getMessage());
        }
        t.quantization().ifPresent(q -> {
            sb.append(" quant ");
            switch (q) {
                case Quantization.PerTensorAffine p -> sb.append(p);
                case Quantization.PerChannelAffine p -> {
                    sb.append("per channel axis ").append(p.axis()).append(" scales ");
                    tensor(p.scales(), storages, sb);
                    sb.append(" zero points ");
                    tensor(p.zeroPoints(), storages, sb);
                }
            }
        });
        sb.append(')');
    }

    /** A value, exactly: floats by their bits, strings quoted, tensors in full, shared objects marked. */
    private static void value(PyValue v, IdentityHashMap<Object, Integer> seen, Map<Long, Integer> storages,
            StringBuilder sb) {
        switch (v) {
            case PyValue.None n -> sb.append("None");
            case PyValue.Bool b -> sb.append(b.value() ? "True" : "False");
            case PyValue.Int i -> sb.append(i.value());
            case PyValue.Float x -> sb.append("float(").append(Long.toHexString(Double.doubleToRawLongBits(x.value())))
                    .append(')');
            case PyValue.Complex c -> sb.append("complex(")
                    .append(Long.toHexString(Double.doubleToRawLongBits(c.real()))).append(',')
                    .append(Long.toHexString(Double.doubleToRawLongBits(c.imag()))).append(')');
            case PyValue.Str s -> sb.append(quoted(s.value()));
            case PyValue.Bytes b -> sb.append(b.mutable() ? "bytearray(" : "bytes(")
                    .append(HexFormat.of().formatHex(b.value())).append(')');
            case PyValue.Tuple t -> items("(", t.items(), ")", seen, storages, sb);
            case PyValue.PyList l -> items("[", l.items(), "]", seen, storages, sb);
            case PyValue.PySet s -> items(s.frozen() ? "frozenset{" : "set{", List.copyOf(s.items()), "}", seen,
                    storages, sb);
            case PyValue.Dict d -> {
                sb.append(d.kind()).append('{');
                boolean first = true;
                for (Map.Entry<PyValue, PyValue> e : d.entries().entrySet()) {
                    sb.append(first ? "" : ", ");
                    first = false;
                    value(e.getKey(), seen, storages, sb);
                    sb.append(": ");
                    value(e.getValue(), seen, storages, sb);
                }
                sb.append('}');
            }
            case PyValue.TensorValue t -> {
                // The same Tensor object reached twice (a tensor saved under two keys) is marked, so
                // the two paths must agree on sharing too.
                Integer id = seen.get(t.tensor());
                if (id != null) {
                    sb.append("same-tensor#").append(id);
                } else {
                    seen.put(t.tensor(), seen.size());
                    sb.append('#').append(seen.size() - 1).append(' ');
                    tensor(t.tensor(), storages, sb);
                }
            }
            case PyValue.Opaque o -> {
                sb.append("opaque ").append(o.global());
                items("(", o.args(), ")", seen, storages, sb);
                if (o.state() != null) {
                    sb.append(" state ");
                    value(o.state(), seen, storages, sb);
                }
            }
        }
    }

    private static void items(String open, List<PyValue> items, String close, IdentityHashMap<Object, Integer> seen,
            Map<Long, Integer> storages, StringBuilder sb) {
        sb.append(open);
        for (int i = 0; i < items.size(); i++) {
            sb.append(i == 0 ? "" : ", ");
            value(items.get(i), seen, storages, sb);
        }
        sb.append(close);
    }

    static String render(ScanReport r) {
        StringBuilder sb = new StringBuilder();
        sb.append("scan ").append(r.container()).append(' ').append(r.verdict()).append(" complete ")
                .append(r.complete()).append(" omitted ").append(r.omittedFindings()).append('/')
                .append(r.omittedGlobals()).append('\n');
        r.findings().forEach(f -> sb.append("  finding ").append(f).append('\n'));
        r.globals().forEach(g -> sb.append("  global ").append(g).append('\n'));
        sb.append("tensors ").append(r.tensors().orElse(null)).append('\n');
        return sb.toString();
    }

    private static String quoted(String s) {
        StringBuilder sb = new StringBuilder("'");
        s.codePoints().forEach(c -> {
            if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') {
                sb.append((char) c);
            } else {
                sb.append(String.format("\\u{%x}", c));
            }
        });
        return sb.append('\'').toString();
    }

    private static String sha256(MemorySegment s) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(s.asByteBuffer());
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] bytes(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    /** The first line where two renderings part, with the line before it, for a failure message. */
    static String firstDifference(String a, String b) {
        String[] x = a.split("\n", -1);
        String[] y = b.split("\n", -1);
        int i = 0;
        while (i < x.length && i < y.length && x[i].equals(y[i])) {
            i++;
        }
        String before = i > 0 ? "  ...  " + clip(x[i - 1]) + "\n" : "";
        return before + "  lane off: " + (i < x.length ? clip(x[i]) : "<end>") + "\n  lane on:  "
                + (i < y.length ? clip(y[i]) : "<end>");
    }

    private static String clip(String s) {
        return s.length() <= 2000 ? s : s.substring(0, 2000) + "...";
    }
}
