package io.ptsafe.pickle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Compares an opened checkpoint with its fixture's expected.json, byte for byte. */
public final class Fixtures {
    public static final Path TORCH = Path.of("src/test/resources/torch");
    public static final Path REAL = TORCH.resolve("real");
    public static final Path MALICIOUS = TORCH.resolve("malicious");

    private Fixtures() {
    }

    /** The expected.json of a real file: the text before the first dot, plus ".expected.json". */
    public static Path expectedOf(Path file) {
        String n = file.getFileName().toString();
        return file.resolveSibling(n.substring(0, n.indexOf('.')) + ".expected.json");
    }

    public static void assertMatches(TensorFile f, Path expectedJson) throws Exception {
        Map<String, Object> exp = Json.obj(Json.read(expectedJson));
        List<Object> tensors = Json.arr(exp.get("tensors"));
        List<String> names = new ArrayList<>();
        tensors.forEach(t -> names.add((String) Json.obj(t).get("name")));
        assertEquals(names, f.tensors().stream().map(Tensor::name).toList(), "tensor names in walk order");
        boolean big = false;
        for (int i = 0; i < tensors.size(); i++) {
            Map<String, Object> e = Json.obj(tensors.get(i));
            Tensor t = f.tensors().get(i);
            String where = f.path().getFileName() + " " + t.name();
            DType dtype = DType.valueOf((String) e.get("dtype"));
            assertEquals(dtype, t.dtype(), where);
            long[] shape = longs(e.get("shape"));
            if (dtype == DType.QUINT4X2 || dtype == DType.QUINT2X4) {
                // ptsafe's element of these dtypes is one byte: the last dimension is counted in bytes.
                int perByte = dtype == DType.QUINT4X2 ? 2 : 4;
                if (shape.length > 0) {
                    shape[shape.length - 1] = (shape[shape.length - 1] + perByte - 1) / perByte;
                }
            } else {
                assertArrayEquals(longs(e.get("strides")), t.strides(), where + " strides");
                assertEquals(((Json.Num) e.get("storage_offset")).asLong(), t.storageOffset(), where + " offset");
            }
            assertArrayEquals(shape, t.shape(), where + " shape");
            big |= t.storageByteOrder() == ByteOrder.BIG_ENDIAN;
            boolean contiguous = (Boolean) e.get("contiguous");
            boolean swapped = t.storageByteOrder() == ByteOrder.BIG_ENDIAN && dtype.byteOrderUnit() > 1;
            assertEquals(!contiguous || swapped, t.isView(), where + " isView");
            byte[] data = new byte[(int) t.byteSize()];
            t.copyInto(data, 0);
            assertEquals(e.get("data_hex"), HexFormat.of().formatHex(data), where + " data");
            QuantizedFixtures.assertQuantization(e, t, where);
        }
        for (Object g : Json.arr(exp.get("shared"))) {
            List<Object> group = Json.arr(g);
            Tensor first = f.tensor((String) group.getFirst());
            for (Object n : group) {
                Tensor other = f.tensor((String) n);
                assertEquals(first.storage().address(), other.storage().address(), n + " shares " + group.getFirst());
                assertEquals(first.storage().byteSize(), other.storage().byteSize());
            }
        }
        Map<String, Object> values = new LinkedHashMap<>();
        values(f.root(), "", true, values);
        Map<String, Object> expectedValues = Json.obj(exp.get("values"));
        assertEquals(expectedValues.keySet().stream().toList(), values.keySet().stream().toList(), "value names");
        for (var v : expectedValues.entrySet()) {
            assertValue(v.getValue(), values.get(v.getKey()), v.getKey());
        }
        assertTrue(tensors.isEmpty() || !f.tensors().isEmpty());
    }

    private static void assertValue(Object expected, Object actual, String name) {
        switch (expected) {
            case null -> assertEquals(PyValue.None.NONE, actual, name);
            case Boolean b -> assertEquals(new PyValue.Bool(b), actual, name);
            case String s -> assertEquals(new PyValue.Str(s), actual, name);
            case Json.Num n when n.isInteger() -> assertEquals(new PyValue.Int(new BigInteger(n.text())), actual, name);
            case Json.Num n -> assertEquals(new PyValue.Float(Double.parseDouble(n.text())), actual, name);
            default -> throw new AssertionError(expected);
        }
    }

    /** The fixture's naming rule for non-tensor leaves (tensors come from TensorFile.tensors()). */
    static void values(PyValue v, String path, boolean root, Map<String, Object> out) {
        switch (v) {
            case PyValue.Dict d -> d.entries().forEach((k, x) -> {
                String seg = switch (k) {
                    case PyValue.Str s -> s.value();
                    case PyValue.Int i -> i.value().toString();
                    default -> null;
                };
                if (seg != null) {
                    values(x, root ? seg : path + "." + seg, false, out);
                }
            });
            case PyValue.PyList l -> indexed(l.items(), path, root, out);
            case PyValue.Tuple t -> indexed(t.items(), path, root, out);
            case PyValue.None n -> out.put(path, v);
            case PyValue.Bool b -> out.put(path, v);
            case PyValue.Int i -> out.put(path, v);
            case PyValue.Float x -> out.put(path, v);
            case PyValue.Str s -> out.put(path, v);
            default -> { }
        }
    }

    private static void indexed(List<PyValue> items, String path, boolean root, Map<String, Object> out) {
        for (int i = 0; i < items.size(); i++) {
            values(items.get(i), root ? Integer.toString(i) : path + "." + i, false, out);
        }
    }

    static long[] longs(Object json) {
        return Json.arr(json).stream().mapToLong(x -> ((Json.Num) x).asLong()).toArray();
    }

}
