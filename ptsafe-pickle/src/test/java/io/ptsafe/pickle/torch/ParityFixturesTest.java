package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
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
import io.ptsafe.pickle.Fixtures;
import io.ptsafe.pickle.Json;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReport.Verdict;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * docs/weights-only-parity.md, row by row ({@code make_parity_fixtures.py}, torch 1.13): every file
 * the manifest says ptsafe loads is loaded, with torch's own values byte for byte where it holds
 * tensors and the decoded value checked where it does not, and scanned SAFE; every other file is
 * refused with the manifest's reason, naming the file. Every row of the doc's tables has a case.
 */
class ParityFixturesTest {
    static final Path DIR = Path.of("src/test/resources/torch/parity");
    static final Path DOC = Path.of("../docs/weights-only-parity.md");
    static final byte[] F4 = floats(1.5f, -2.0f, 3.25f, 4.0f);

    static List<Map<String, Object>> manifest() throws Exception {
        return Json.arr(Json.read(DIR.resolve("manifest.json"))).stream().map(Json::obj).toList();
    }

    @TestFactory
    Stream<DynamicTest> everyCaseAsTheManifestSays() throws Exception {
        return manifest().stream().map(e -> DynamicTest.dynamicTest(e.get("file") + " (" + e.get("row") + ")", () -> {
            Path p = DIR.resolve((String) e.get("file"));
            String ptsafe = (String) e.get("ptsafe");
            if (ptsafe.equals("loads")) {
                try (TensorFile f = SafeLoader.open(p)) {
                    assertEquals(p.getFileName().toString().endsWith(".legacy.pt") ? FileFormat.TORCH_LEGACY
                            : FileFormat.TORCH_ZIP, f.format());
                    if (e.containsKey("expected")) {
                        Fixtures.assertMatches(f, DIR.resolve((String) e.get("expected")));
                    }
                    checkValue(p.getFileName().toString(), f);
                }
                ScanReport r = SafeLoader.scan(p);
                assertEquals(Verdict.SAFE, r.verdict(), r::toString);
            } else {
                PtsafeException x = assertThrows(PtsafeException.class, () -> SafeLoader.open(p).close());
                assertEquals(Reason.valueOf(ptsafe), x.reason(), x::getMessage);
                assertTrue(x.getMessage().contains(p.getFileName().toString()), x::getMessage);
                if (x.reason() == Reason.FORBIDDEN_GLOBAL) {
                    assertNotEquals(Verdict.SAFE, SafeLoader.scan(p).verdict());
                }
            }
        }));
    }

    /** What a file without tensors (or with a value beside them) decodes to. */
    private static void checkValue(String file, TensorFile f) throws Exception {
        PyValue x = f.root() instanceof PyValue.Dict d ? d.entries().get(new PyValue.Str("x")) : null;
        switch (file) {
            case "counter.pt" -> assertEquals("Counter", assertInstanceOf(PyValue.Dict.class, x).kind());
            case "codecs_encode.pt" -> assertBytes(x, new byte[] {0, (byte) 0xff, 'a', 'b'}, false);
            case "bytearray.pt" -> assertBytes(x, new byte[] {1, (byte) 0x80, 'z'}, true);
            case "bytes_empty.pt" -> assertBytes(x, new byte[0], false);
            case "set.pt" -> assertEquals(new PyValue.PySet(Set.of(PyValue.Int.of(1), PyValue.Int.of(3)), false), x);
            case "frozenset.pt" -> assertEquals(new PyValue.PySet(Set.of(new PyValue.Str("a")), true), x);
            case "complex.pt" -> assertEquals(new PyValue.Complex(1.5, -2.0), x);
            case "size.pt" -> assertEquals(new PyValue.Opaque("torch.Size",
                    List.of(new PyValue.Tuple(List.of(PyValue.Int.of(2), PyValue.Int.of(3)))), null), x);
            case "device.pt" -> assertEquals(new PyValue.Opaque("torch.device", List.of(new PyValue.Str("cpu")), null), x);
            case "layout.pt" -> assertEquals(new PyValue.Opaque("torch.serialization._get_layout",
                    List.of(new PyValue.Str("torch.sparse_coo")), null), x);
            case "dtype_float32.pt" -> assertEquals(new PyValue.Opaque("torch.float32", List.of(), null), x);
            case "dtype_bfloat16.pt" -> assertEquals(new PyValue.Opaque("torch.bfloat16", List.of(), null), x);
            case "qscheme.pt" -> assertEquals(new PyValue.Opaque("torch.per_tensor_affine", List.of(), null), x);
            case "tensor_class.pt" -> assertEquals(new PyValue.Opaque("torch.FloatTensor", List.of(), null), x);
            case "meta.pt" -> {
                assertEquals(List.of(), f.tensors());
                assertEquals("torch._utils._rebuild_meta_tensor_no_storage",
                        assertInstanceOf(PyValue.Opaque.class, x).global());
            }
            case "rebuild_tensor_v3.pt" -> assertData(f.tensor("x"), DType.I64, new long[] {2}, longs(7, -8));
            case "pre04_cuda.pt", "rebuild_parameter_with_state.pt", "device_from_cpu.pt", "from_type_v2.pt" ->
                    assertData(f.tensor("x"), DType.F32, new long[] {4}, F4);
            case "pre04.pt", "pre04.legacy.pt" -> {
                // The memo's GET of the tensor BUILD set: the same tensor under two names.
                assertEquals(f.tensor("weight").storage().address(), f.tensor("again").storage().address());
                assertData(f.tensor("weight"), DType.F32, new long[] {2, 2}, F4);
            }
            default -> assertTrue(f.path() != null);
        }
    }

    @Test
    void preTorch04TensorsAreTheSameInBothFormats() throws Exception {
        try (TensorFile legacy = SafeLoader.open(DIR.resolve("pre04.legacy.pt"));
                TensorFile zip = SafeLoader.open(DIR.resolve("pre04.pt"))) {
            assertEquals(zip.tensors().stream().map(Tensor::name).toList(),
                    legacy.tensors().stream().map(Tensor::name).toList());
            assertEquals(List.of("weight", "tail", "column", "steps", "mask", "doubles", "shorts", "param", "frozen",
                    "again"), zip.tensors().stream().map(Tensor::name).toList());
            for (Tensor t : zip.tensors()) {
                Tensor l = legacy.tensor(t.name());
                assertEquals(t.dtype(), l.dtype());
                assertArrayEquals(t.shape(), l.shape());
                assertArrayEquals(t.strides(), l.strides());
                assertArrayEquals(t.data().toArray(ValueLayout.JAVA_BYTE), l.data().toArray(ValueLayout.JAVA_BYTE));
            }
            assertSame(PyValue.Int.of(3).getClass(), ((PyValue.Dict) zip.root()).entries()
                    .get(new PyValue.Str("epoch")).getClass());
        }
    }

    @Test
    void theScanListsThePreTorch04NamesAsAllowed() throws Exception {
        for (String file : List.of("pre04.pt", "pre04.legacy.pt")) {
            ScanReport r = SafeLoader.scan(DIR.resolve(file));
            assertEquals(Verdict.SAFE, r.verdict(), r::toString);
            for (String name : List.of("torch.FloatTensor", "torch.LongTensor", "torch.nn.parameter.Parameter")) {
                assertTrue(r.globals().stream().anyMatch(g -> g.resolved().equals(name)
                        && g.kind() == ScanReport.Global.Kind.ALLOWED), () -> name + " in " + r);
            }
        }
    }

    @Test
    void everyRowOfTheDocHasACase() throws Exception {
        Set<String> rows = new LinkedHashSet<>();
        boolean inTable = false;
        String section = "";
        Pattern cell = Pattern.compile("^\\| (.+?) \\| .*\\|$");
        for (String line : Files.readAllLines(DOC)) {
            if (line.startsWith("## ")) {
                section = line;
            }
            Matcher m = cell.matcher(line);
            boolean row = m.matches() && !line.startsWith("| name ") && !line.startsWith("| ---");
            if (row && !section.contains("numpy")) {
                rows.add(m.group(1));
            }
            inTable = row;
        }
        assertTrue(rows.size() >= 30, "rows read from the doc: " + rows);
        Set<String> covered = new LinkedHashSet<>();
        for (Map<String, Object> e : manifest()) {
            covered.add((String) e.get("row"));
        }
        List<String> missing = new ArrayList<>(rows);
        missing.removeAll(covered);
        assertEquals(List.of(), missing, "rows of " + DOC + " without a case in manifest.json");
        List<String> unknown = new ArrayList<>(covered);
        unknown.removeAll(rows);
        assertEquals(List.of(), unknown, "cases in manifest.json whose row is not in " + DOC);
        assertTrue(!inTable || rows.size() > 0);
    }

    private static void assertBytes(PyValue v, byte[] expected, boolean mutable) {
        PyValue.Bytes b = assertInstanceOf(PyValue.Bytes.class, v);
        assertArrayEquals(expected, b.value());
        assertEquals(mutable, b.mutable());
    }

    private static void assertData(Tensor t, DType dtype, long[] shape, byte[] data) {
        assertEquals(dtype, t.dtype(), t.name());
        assertArrayEquals(shape, t.shape(), t.name());
        assertArrayEquals(data, t.data().toArray(ValueLayout.JAVA_BYTE), t.name());
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    private static byte[] longs(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }
}
