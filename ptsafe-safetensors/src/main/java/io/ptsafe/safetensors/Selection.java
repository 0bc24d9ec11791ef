package io.ptsafe.safetensors;

import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * Which tensors of a file are converted, under which names, and what else the file holds.
 *
 * <p>As the reference converter does, a top-level {@code state_dict} dict is unwrapped. A
 * selection {@code KEY} then keeps the tensors named {@code KEY.<rest>} inside it (or, when there
 * are none, beside it: {@code ema} in {@code {"state_dict": .., "ema": ..}}), naming as
 * {@link TensorFile#root()} describes, so it works for nested dicts and for flat dotted keys
 * alike, and writes them as {@code <rest>}. Non-tensor values inside the selection are listed as
 * skipped; everything outside it is listed as not selected. Neither is an error.
 */
final class Selection {
    /** How many names each list of the report keeps (the counts stay exact). */
    static final int LIST_CAP = 1000;

    /** A value that is not a tensor, under its name, with what it is. */
    record Entry(String name, String what) {
    }

    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    private final List<Entry> skipped = new ArrayList<>();
    private final List<String> notSelected = new ArrayList<>();
    private long skippedCount;
    private long notSelectedCount;
    private final String base;
    private final String select;

    private Selection(String base, String select) {
        this.base = base;
        this.select = select;
    }

    static Selection of(TensorFile file, String select) throws PtsafeException {
        boolean wrapped = file.root() instanceof PyValue.Dict d && d.get("state_dict") instanceof PyValue.Dict;
        Selection s = select(file, wrapped ? "state_dict." : "", select);
        if (wrapped && select != null && s.tensors.isEmpty()) {
            s = select(file, "", select); // a key beside state_dict (e.g. ema)
        }
        if (select != null && s.tensors.isEmpty()) {
            throw new NoSuchElementException((file.path() == null ? "" : file.path() + ": ") + "no tensor under '"
                    + select + "' (top-level entries: " + topLevel(file.root()) + ")");
        }
        s.walk(file.root());
        return s;
    }

    private static Selection select(TensorFile file, String base, String select) throws PtsafeException {
        Selection s = new Selection(base, select);
        for (Tensor t : file.tensors()) {
            String out = s.outputName(t.name());
            if (out == null) {
                s.notSelected(t.name());
            } else if (s.tensors.putIfAbsent(out, t) != null) {
                throw new PtsafeException(Reason.CANNOT_WRITE, file.path(), "two tensors would be written as '"
                        + out + "'");
            }
        }
        return s;
    }

    /** The tensors to write, under their output names, in file order. */
    Map<String, Tensor> tensors() {
        return Collections.unmodifiableMap(tensors);
    }

    List<Entry> skipped() {
        return List.copyOf(skipped);
    }

    long skippedCount() {
        return skippedCount;
    }

    List<String> notSelected() {
        return List.copyOf(notSelected);
    }

    long notSelectedCount() {
        return notSelectedCount;
    }

    /** The output name of an entry named {@code name} in the file, or null when it is outside the selection. */
    private String outputName(String name) {
        if (!name.startsWith(base)) {
            return null;
        }
        String rest = name.substring(base.length());
        if (select == null) {
            return rest;
        }
        if (rest.equals(select)) {
            return select;
        }
        return rest.startsWith(select + ".") ? rest.substring(select.length() + 1) : null;
    }

    private void notSelected(String name) {
        notSelectedCount++;
        if (notSelected.size() < LIST_CAP) {
            notSelected.add(name);
        }
    }

    /**
     * Lists every non-tensor value. Iterative, and each container is entered once: a value shared
     * by two parents could otherwise make the walk exponential.
     */
    private void walk(PyValue root) {
        Set<PyValue> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Map.Entry<String, PyValue>> todo = new ArrayDeque<>();
        todo.push(Map.entry("", root));
        while (!todo.isEmpty()) {
            Map.Entry<String, PyValue> next = todo.pop();
            String path = next.getKey();
            PyValue v = next.getValue();
            List<Map.Entry<String, PyValue>> children = new ArrayList<>();
            switch (v) {
                case PyValue.TensorValue t -> {
                    continue;
                }
                case PyValue.Dict d -> {
                    if (!seen.add(d)) {
                        continue;
                    }
                    for (Map.Entry<PyValue, PyValue> e : d.entries().entrySet()) {
                        String key = switch (e.getKey()) {
                            case PyValue.Str s -> s.value();
                            case PyValue.Int i -> i.value().toString();
                            default -> null;
                        };
                        if (key == null) {
                            leaf(join(path, "<" + kind(e.getKey()) + " key>"), "entry with a " + kind(e.getKey())
                                    + " key");
                        } else {
                            children.add(Map.entry(join(path, key), e.getValue()));
                        }
                    }
                    if (d.entries().isEmpty()) {
                        leaf(path, "empty " + d.kind());
                    }
                }
                case PyValue.PyList l -> {
                    if (seen.add(l)) {
                        items(path, l.items(), "list", children);
                    } else {
                        continue;
                    }
                }
                case PyValue.Tuple t -> {
                    if (seen.add(t)) {
                        items(path, t.items(), "tuple", children);
                    } else {
                        continue;
                    }
                }
                default -> leaf(path, describe(v));
            }
            for (int i = children.size() - 1; i >= 0; i--) {
                todo.push(children.get(i));
            }
        }
    }

    private void items(String path, List<PyValue> items, String kind, List<Map.Entry<String, PyValue>> children) {
        for (int i = 0; i < items.size(); i++) {
            children.add(Map.entry(join(path, Integer.toString(i)), items.get(i)));
        }
        if (items.isEmpty()) {
            leaf(path, "empty " + kind);
        }
    }

    private void leaf(String name, String what) {
        String out = outputName(name);
        if (out == null) {
            notSelected(name);
            return;
        }
        skippedCount++;
        if (skipped.size() < LIST_CAP) {
            skipped.add(new Entry(out, what));
        }
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    static String describe(PyValue v) {
        return switch (v) {
            case PyValue.None n -> "None";
            case PyValue.Bool b -> "bool " + (b.value() ? "True" : "False");
            case PyValue.Int i -> "int " + shorten(i.value().toString());
            case PyValue.Float f -> "float " + f.value();
            case PyValue.Complex c -> "complex (" + c.real() + ", " + c.imag() + ")";
            case PyValue.Str s -> "str '" + shorten(s.value()) + "'";
            case PyValue.Bytes b -> (b.mutable() ? "bytearray of " : "bytes of ") + b.value().length + " bytes";
            case PyValue.PySet s -> (s.frozen() ? "frozenset of " : "set of ") + s.items().size() + " items";
            case PyValue.Opaque o -> o.global();
            case PyValue.Dict d -> d.kind();
            case PyValue.PyList l -> "list";
            case PyValue.Tuple t -> "tuple";
            case PyValue.TensorValue t -> "tensor";
        };
    }

    private static String kind(PyValue v) {
        String d = describe(v);
        int sp = d.indexOf(' ');
        return sp < 0 ? d : d.substring(0, sp);
    }

    private static String shorten(String s) {
        String one = s.replace("\n", "\\n");
        return one.length() <= 40 ? one : one.substring(0, 37) + "...";
    }

    private static String topLevel(PyValue root) {
        if (root instanceof PyValue.Dict d) {
            PyValue sd = d.get("state_dict");
            PyValue.Dict top = sd instanceof PyValue.Dict s ? s : d;
            List<String> keys = new ArrayList<>();
            for (PyValue k : top.entries().keySet()) {
                if (keys.size() == 20) {
                    keys.add("...");
                    break;
                }
                keys.add(k instanceof PyValue.Str s ? s.value() : describe(k));
            }
            return String.join(", ", keys);
        }
        return "the file holds a " + kind(root) + ", not a dict";
    }
}
