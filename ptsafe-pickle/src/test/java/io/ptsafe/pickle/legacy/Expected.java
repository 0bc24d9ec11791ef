package io.ptsafe.pickle.legacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Compares an open torch checkpoint with its {@code NAME.expected.json} (see the fixtures README). */
final class Expected {
    private Expected() {
    }

    /** The expected file of a fixture: {@code <text before the first dot>.expected.json} next to it. */
    static Path of(Path fixture) {
        String name = fixture.getFileName().toString();
        return fixture.resolveSibling(name.substring(0, name.indexOf('.')) + ".expected.json");
    }

    static void check(TensorFile f, Path expectedJson) throws IOException {
        Map<String, Object> exp = JsonText.obj(JsonText.read(expectedJson));
        List<Object> tensors = JsonText.arr(exp.get("tensors"));
        List<String> names = new ArrayList<>();
        for (Object o : tensors) {
            names.add((String) JsonText.obj(o).get("name"));
        }
        assertEquals(names, f.tensors().stream().map(Tensor::name).toList(), "tensor names in walk order");
        for (int i = 0; i < tensors.size(); i++) {
            checkTensor(f.tensors().get(i), JsonText.obj(tensors.get(i)));
        }
        Map<String, PyValue> values = values(f.root());
        Map<String, Object> expValues = JsonText.obj(exp.get("values"));
        assertEquals(expValues.keySet(), values.keySet(), "value names");
        for (var e : expValues.entrySet()) {
            checkValue(e.getKey(), e.getValue(), values.get(e.getKey()));
        }
        for (Object g : JsonText.arr(exp.get("shared"))) {
            List<Object> group = JsonText.arr(g);
            MemorySegment first = f.tensor((String) group.getFirst()).storage();
            for (Object n : group) {
                MemorySegment s = f.tensor((String) n).storage();
                assertEquals(first.address(), s.address(), n + " shares the storage of " + group.getFirst());
                assertEquals(first.byteSize(), s.byteSize(), n + " shares the storage of " + group.getFirst());
            }
        }
    }

    private static void checkTensor(Tensor t, Map<String, Object> e) throws PtsafeException {
        String n = "tensor '" + t.name() + "'";
        assertEquals(e.get("dtype"), t.dtype().name(), n + " dtype");
        assertArrayEquals(longs(e.get("shape")), t.shape(), n + " shape");
        assertArrayEquals(longs(e.get("strides")), t.strides(), n + " strides");
        assertEquals(((BigInteger) e.get("storage_offset")).longValueExact(), t.storageOffset(), n + " storage offset");
        assertEquals(e.get("contiguous"), !t.isView(), n + " contiguous");
        byte[] data = t.data().toArray(ValueLayout.JAVA_BYTE);
        assertEquals(e.get("data_hex"), HexFormat.of().formatHex(data), n + " data");
        assertTrue(t.data().isReadOnly(), n + " data is read-only");
    }

    private static long[] longs(Object o) {
        return JsonText.arr(o).stream().mapToLong(x -> ((BigInteger) x).longValueExact()).toArray();
    }

    private static void checkValue(String name, Object expected, PyValue actual) {
        String n = "value '" + name + "'";
        switch (expected) {
            case null -> assertEquals(PyValue.None.NONE, actual, n);
            case Boolean b -> assertEquals(new PyValue.Bool(b), actual, n);
            case BigInteger i -> assertEquals(new PyValue.Int(i), actual, n);
            case String s -> assertEquals(new PyValue.Str(s), actual, n);
            case JsonText.Real r -> {
                if (!(actual instanceof PyValue.Float x)) {
                    fail(n + ": expected the float " + r.text() + ", got " + actual);
                    return;
                }
                assertEquals(Double.doubleToRawLongBits(r.value()), Double.doubleToRawLongBits(x.value()), n);
            }
            default -> fail(n + ": unexpected JSON " + expected);
        }
    }

    /** Every non-tensor leaf by name, walking as the naming rule does. */
    static Map<String, PyValue> values(PyValue root) {
        Map<String, PyValue> out = new LinkedHashMap<>();
        walk(root, "", out);
        return out;
    }

    private static void walk(PyValue v, String name, Map<String, PyValue> out) {
        switch (v) {
            case PyValue.Dict d -> d.entries().forEach((k, x) -> walk(x, join(name, key(k)), out));
            case PyValue.PyList l -> {
                for (int i = 0; i < l.items().size(); i++) {
                    walk(l.items().get(i), join(name, Integer.toString(i)), out);
                }
            }
            case PyValue.Tuple t -> {
                for (int i = 0; i < t.items().size(); i++) {
                    walk(t.items().get(i), join(name, Integer.toString(i)), out);
                }
            }
            case PyValue.None x -> out.put(name, v);
            case PyValue.Bool x -> out.put(name, v);
            case PyValue.Int x -> out.put(name, v);
            case PyValue.Float x -> out.put(name, v);
            case PyValue.Str x -> out.put(name, v);
            default -> { }
        }
    }

    private static String key(PyValue k) {
        return switch (k) {
            case PyValue.Str s -> s.value();
            case PyValue.Int i -> i.value().toString();
            default -> throw new AssertionError("fixture key " + k);
        };
    }

    private static String join(String prefix, String key) {
        return prefix.isEmpty() ? key : prefix + "." + key;
    }
}
