package io.ptsafe.pickle.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.ContainerKind;
import io.ptsafe.DType;
import io.ptsafe.FileFormat;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.Json;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReport.Verdict;
import io.ptsafe.scan.ScanRule;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code .npy} (versions 1.0, 2.0, 3.0) and {@code .npz} (stored and compressed) files written by
 * numpy 1.24 ({@code make_npy_fixtures.py}): every array is a tensor whose bytes are numpy's own
 * reading, byte for byte; hostile files are refused with the reason the generator recorded, and
 * the scan agrees with open.
 */
class NpyFilesTest {
    static final Path REAL = Path.of("src/test/resources/npy/real");
    static final Path HOSTILE = Path.of("src/test/resources/npy/hostile");

    @TempDir
    Path tmp;

    static List<Map<String, Object>> expected() throws IOException {
        return Json.arr(Json.obj(Json.read(REAL.resolve("expected.json"))).get("arrays")).stream().map(Json::obj)
                .toList();
    }

    static void assertNumpys(Map<String, Object> e, Tensor t, String what) {
        assertEquals(DType.valueOf((String) e.get("dtype")), t.dtype(), what);
        assertArrayEquals(Json.arr(e.get("shape")).stream().mapToLong(x -> ((Json.Num) x).asLong()).toArray(),
                t.shape(), what);
        assertEquals(e.get("hex"), HexFormat.of().formatHex(t.data().toArray(ValueLayout.JAVA_BYTE)), what);
    }

    @TestFactory
    Stream<DynamicTest> everyNpyVersionReadsNumpysValues() throws IOException {
        return expected().stream().flatMap(e -> Stream.of(1, 2, 3).map(v -> {
            String n = e.get("name").equals("py2_longs") ? "py2_longs.npy" : e.get("name") + ".v" + v + ".npy";
            return DynamicTest.dynamicTest(n, () -> {
                if (n.equals("py2_longs.npy") && v > 1) {
                    return;
                }
                try (TensorFile f = SafeLoader.open(REAL.resolve(n))) {
                    assertEquals(FileFormat.NUMPY, f.format());
                    assertEquals(1, f.tensors().size());
                    Tensor t = f.tensor("");
                    assertNumpys(e, t, n);
                    assertEquals(t, assertInstanceOf(PyValue.TensorValue.class, f.root()).tensor());
                    if (Boolean.TRUE.equals(e.get("fortran"))) {
                        long[] s = t.shape();
                        long[] st = t.strides();
                        long acc = 1;
                        for (int i = 0; i < s.length; i++) {
                            assertEquals(acc, st[i], n + " column-major strides");
                            acc *= Math.max(s[i], 1);
                        }
                    }
                }
                ScanReport r = SafeLoader.scan(REAL.resolve(n));
                assertEquals(Verdict.SAFE, r.verdict(), r::toString);
                assertEquals(ContainerKind.NUMPY, r.container());
                assertEquals(1, r.tensors().orElseThrow().count());
            });
        }));
    }

    @Test
    void cOrderLittleEndianDataIsZeroCopy() throws IOException {
        try (TensorFile f = SafeLoader.open(REAL.resolve("float32.v1.npy"))) {
            Tensor t = f.tensor("");
            assertFalse(t.isView());
            // numpy pads the header so the data starts at a multiple of 64.
            assertEquals(0, t.storage().address() % 64);
        }
    }

    @TestFactory
    Stream<DynamicTest> npzStoredAndCompressedHoldEveryArrayInOrder() {
        return Stream.of("arrays.npz", "arrays_compressed.npz").map(n -> DynamicTest.dynamicTest(n, () -> {
            List<Map<String, Object>> exp = expected().stream().filter(e -> !e.get("name").equals("py2_longs")).toList();
            try (TensorFile f = SafeLoader.open(REAL.resolve(n))) {
                assertEquals(FileFormat.NUMPY, f.format());
                assertEquals(exp.stream().map(e -> e.get("name")).toList(),
                        f.tensors().stream().map(Tensor::name).toList());
                for (Map<String, Object> e : exp) {
                    assertNumpys(e, f.tensor((String) e.get("name")), n + " " + e.get("name"));
                }
                if (n.equals("arrays.npz")) {
                    // STORED members are slices of the mapping: the data lies inside the file's bytes.
                    assertFalse(f.tensor("float32").isView());
                }
            }
            ScanReport r = SafeLoader.scan(REAL.resolve(n));
            assertEquals(Verdict.SAFE, r.verdict(), r::toString);
            assertEquals(ContainerKind.NUMPY, r.container());
            assertEquals(exp.size(), r.tensors().orElseThrow().count());
        }));
    }

    @Test
    void npzMemberNamesAreNumpysInDirectoryOrder() throws IOException {
        try (TensorFile f = SafeLoader.open(REAL.resolve("model.npz"))) {
            assertEquals(List.of("layer1/weight", "layer1/bias", "step", "mask", "f32_fortran", "c64"),
                    f.tensors().stream().map(Tensor::name).toList());
            // DEFLATED members are inflated into the file's arena, one copy each.
            assertEquals(DType.C64, f.tensor("c64").dtype());
        }
    }

    @Test
    void recognisedByItsBytesNeverItsName() throws IOException {
        Path npy = Files.copy(REAL.resolve("int64.v2.npy"), tmp.resolve("weights.safetensors"));
        Path npz = Files.copy(REAL.resolve("arrays.npz"), tmp.resolve("model.pt"));
        try (TensorFile f = SafeLoader.open(npy); TensorFile z = SafeLoader.open(npz)) {
            assertEquals(FileFormat.NUMPY, f.format());
            assertEquals(FileFormat.NUMPY, z.format());
        }
    }

    @TestFactory
    Stream<DynamicTest> hostileFilesAreRefusedWithTheirReason() throws IOException {
        List<Object> cases = Json.arr(Json.read(HOSTILE.resolve("cases.json")));
        return cases.stream().map(Json::obj).map(c -> DynamicTest.dynamicTest((String) c.get("file"), () -> {
            Path p = HOSTILE.resolve((String) c.get("file"));
            ScanReport r = SafeLoader.scan(p);
            if (c.get("reason") == null) {
                try (TensorFile f = SafeLoader.open(p)) {
                    assertEquals(1, f.tensors().size());
                }
                assertEquals(Verdict.SAFE, r.verdict(), r::toString);
                return;
            }
            Reason reason = Reason.valueOf((String) c.get("reason"));
            PtsafeException x = assertThrows(PtsafeException.class, () -> SafeLoader.open(p).close());
            assertEquals(reason, x.reason(), x::getMessage);
            assertTrue(x.getMessage().contains(p.getFileName().toString()), x::getMessage);
            assertEquals(reason == Reason.PICKLED_ARRAY ? Verdict.UNSAFE : Verdict.INVALID, r.verdict(), r::toString);
            assertTrue(r.findings().stream().anyMatch(f -> f.rule() == reason.rule()), r::toString);
        }));
    }

    @Test
    void trailingBytesLoadAsNumpyLoadsThemButTheScanWarns() throws IOException {
        Path p = HOSTILE.resolve("trailing_bytes.npy");
        try (TensorFile f = SafeLoader.open(p)) {
            assertArrayEquals(new float[] {1.5f, -2f}, f.tensor("").toFloatArray());
        }
        ScanReport r = SafeLoader.scan(p);
        List<ScanFinding> w = r.findings(ScanRule.TRAILING_DATA);
        assertEquals(1, w.size(), r::toString);
        assertEquals(ScanFinding.Severity.WARNING, w.getFirst().severity());
        assertTrue(w.getFirst().message().contains("6 bytes"), w.getFirst().message());
    }

    @Test
    void anObjectArraysPickleIsScannedForWhatItWouldRun() {
        for (String n : List.of("object_system.npy", "npz_object_member.npz")) {
            ScanReport r = SafeLoader.scan(HOSTILE.resolve(n));
            assertEquals(Verdict.UNSAFE, r.verdict(), r::toString);
            assertEquals(1, r.findings(ScanRule.PICKLED_ARRAY).size(), r::toString);
            assertTrue(r.globals().stream().anyMatch(g -> g.resolved().equals("posix.system")
                    && g.kind() == ScanReport.Global.Kind.DANGEROUS), r::toString);
        }
    }

    @Test
    void headerMessagesNameThePlaceAndTheValue() {
        PtsafeException x = assertThrows(PtsafeException.class,
                () -> SafeLoader.open(HOSTILE.resolve("call.npy")).close());
        assertTrue(x.getMessage().contains("header at byte 10"), x::getMessage);
        assertTrue(x.getMessage().contains("__import__"), x::getMessage);
        x = assertThrows(PtsafeException.class, () -> SafeLoader.open(HOSTILE.resolve("npz_call_member.npz")).close());
        assertTrue(x.getMessage().contains("member 'w.npy'"), x::getMessage);
        x = assertThrows(PtsafeException.class, () -> SafeLoader.open(HOSTILE.resolve("short_data.npy")).close());
        assertTrue(x.getMessage().contains("needs 12 bytes") && x.getMessage().contains("8 follow"), x::getMessage);
    }
}
