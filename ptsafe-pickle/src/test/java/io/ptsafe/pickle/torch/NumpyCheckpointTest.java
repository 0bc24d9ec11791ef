package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.FileFormat;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.Json;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReport.Verdict;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Checkpoints holding numpy arrays and scalars, written by torch 1.13 and numpy 1.24
 * ({@code make_numpy_fixtures.py}): every array is a tensor whose bytes are numpy's own reading
 * (little-endian, C order), every scalar a number, the scan says SAFE; arrays that are not numeric
 * data are refused by their dtype, and the scan agrees.
 */
class NumpyCheckpointTest {
    static final Path DIR = Path.of("src/test/resources/torch/numpy");
    static final List<String> LOADED = List.of("numpy-zip.pt", "numpy-legacy.pt", "numpy2-names.pt");
    static final Map<String, String> REFUSED = Map.of(
            "numpy-object.pt", "'O8'", "numpy-strings.pt", "'U2'", "numpy-structured.pt", "'V12'",
            "numpy-datetime.pt", "'M8'");

    @TestFactory
    Stream<DynamicTest> arraysAndScalarsAreNumpysOwnValues() throws Exception {
        Map<String, Object> exp = Json.obj(Json.read(DIR.resolve("expected.json")));
        return LOADED.stream().map(n -> DynamicTest.dynamicTest(n, () -> {
            try (TensorFile f = SafeLoader.open(DIR.resolve(n))) {
                assertEquals(n.equals("numpy-legacy.pt") ? FileFormat.TORCH_LEGACY : FileFormat.TORCH_ZIP, f.format());
                List<Object> tensors = Json.arr(exp.get("tensors"));
                assertEquals(tensors.stream().map(t -> (String) Json.obj(t).get("name")).toList(),
                        f.tensors().stream().map(Tensor::name).toList());
                for (Object o : tensors) {
                    Map<String, Object> e = Json.obj(o);
                    Tensor t = f.tensor((String) e.get("name"));
                    assertEquals(DType.valueOf((String) e.get("dtype")), t.dtype(), t.name());
                    assertArrayEquals(Json.arr(e.get("shape")).stream().mapToLong(x -> ((Json.Num) x).asLong()).toArray(),
                            t.shape(), t.name());
                    assertEquals(e.get("hex"), HexFormat.of().formatHex(t.data().toArray(ValueLayout.JAVA_BYTE)),
                            t.name());
                }
                PyValue.Dict root = assertInstanceOf(PyValue.Dict.class, f.root());
                PyValue.Dict scalars = assertInstanceOf(PyValue.Dict.class, root.entries().get(new PyValue.Str("scalars")));
                Json.obj(exp.get("scalars")).forEach((k, v) -> assertScalar(Json.obj(v),
                        scalars.entries().get(new PyValue.Str(k)), k));
                PyValue.Tuple rng = assertInstanceOf(PyValue.Tuple.class, root.entries().get(new PyValue.Str("rng")));
                Map<String, Object> r = Json.obj(exp.get("rng"));
                assertEquals(new PyValue.Str((String) r.get("name")), rng.items().get(0));
                assertEquals(PyValue.Int.of(((Json.Num) r.get("pos")).asLong()), rng.items().get(2));
                assertEquals(PyValue.Int.of(((Json.Num) r.get("has_gauss")).asLong()), rng.items().get(3));
                assertEquals(new PyValue.Float(Double.parseDouble((String) r.get("cached_gaussian"))), rng.items().get(4));
            }
        }));
    }

    private static void assertScalar(Map<String, Object> e, PyValue v, String k) {
        if (e.containsKey("bool")) {
            assertEquals(new PyValue.Bool((Boolean) e.get("bool")), v, k);
        } else if (e.containsKey("int")) {
            assertEquals(new PyValue.Int(new BigInteger((String) e.get("int"))), v, k);
        } else if (e.containsKey("float")) {
            assertEquals(new PyValue.Float(Double.parseDouble((String) e.get("float"))), v, k);
        } else {
            assertEquals(new PyValue.Complex(Double.parseDouble((String) e.get("real")),
                    Double.parseDouble((String) e.get("imag"))), v, k);
        }
    }

    @Test
    void fortranOrderIsAStridedViewOfNumpysBytes() throws Exception {
        try (TensorFile f = SafeLoader.open(DIR.resolve("numpy-zip.pt"))) {
            Tensor t = f.tensor("arrays.f32_fortran");
            assertArrayEquals(new long[] {2, 3, 4}, t.shape());
            assertArrayEquals(new long[] {1, 2, 6}, t.strides());
            Tensor d = f.tensor("arrays.f64_0d");
            assertArrayEquals(new long[0], d.shape());
            assertEquals(2.5, d.toDoubleArray()[0]);
        }
    }

    @TestFactory
    Stream<DynamicTest> scanSaysSafeWithNumpyNamesAllowed() {
        return LOADED.stream().map(n -> DynamicTest.dynamicTest(n, () -> {
            ScanReport r = SafeLoader.scan(DIR.resolve(n));
            assertEquals(Verdict.SAFE, r.verdict(), r::toString);
            assertTrue(r.globals().stream().anyMatch(g -> g.resolved().endsWith("multiarray._reconstruct")
                    && g.kind() == ScanReport.Global.Kind.ALLOWED), r::toString);
        }));
    }

    @TestFactory
    Stream<DynamicTest> arraysThatAreNotNumericDataAreRefusedByDtype() {
        return REFUSED.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(e -> DynamicTest.dynamicTest(
                e.getKey(), () -> {
                    Path p = DIR.resolve(e.getKey());
                    PtsafeException x = assertThrows(PtsafeException.class, () -> SafeLoader.open(p).close());
                    assertEquals(Reason.UNSUPPORTED_FORMAT, x.reason(), x::getMessage);
                    assertTrue(x.getMessage().contains("numpy dtype " + e.getValue()), x::getMessage);
                    assertTrue(x.getMessage().contains(p.getFileName().toString()), x::getMessage);
                    ScanReport r = SafeLoader.scan(p);
                    assertNotEquals(Verdict.SAFE, r.verdict(), r::toString);
                }));
    }
}
