package io.ptsafe.safetensors.reader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.FileFormat;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Files written by writers independent of ptsafe (src/test/fixtures: a Python struct/json writer with
 * torch and numpy values; DJL's PyTorch engine) read back byte for byte.
 */
class GoldenFixturesTest {

    static List<String> files() {
        Set<String> files = new LinkedHashSet<>();
        for (TestFiles.Row r : TestFiles.rows("expected.tsv")) {
            if (!r.file().startsWith("sharded/")) {
                files.add(r.file());
            }
        }
        files.add("empty.safetensors");
        files.add("metadata_only.safetensors");
        return new ArrayList<>(files);
    }

    @ParameterizedTest
    @MethodSource("files")
    void readsEveryTensorByteForByteInHeaderOrder(String file) throws IOException {
        assertMatches("expected.tsv", file);
    }

    /** DJL writes its header unpadded and in hash order, unlike the byte order of its data. */
    @Test
    void readsTheFileDjlWrote() throws IOException {
        assertMatches("djl_expected.tsv", "djl.safetensors");
    }

    @Test
    void coversEverySafetensorsDtype() {
        Set<String> seen = new LinkedHashSet<>();
        TestFiles.rows("expected.tsv").forEach(r -> seen.add(r.dtype()));
        for (DType d : DType.values()) {
            d.safetensorsName().ifPresent(n -> assertTrue(seen.contains(n), "no fixture holds " + n));
        }
    }

    @Test
    void metadataMatchesInOrder() throws IOException {
        Map<String, Map<String, String>> expected = new LinkedHashMap<>();
        for (String[] f : TestFiles.tsv("metadata.tsv")) {
            if (!f[0].startsWith("sharded/")) {
                expected.computeIfAbsent(f[0], k -> new LinkedHashMap<>()).put(f[1], f[2]);
            }
        }
        assertTrue(expected.get("metadata_only.safetensors").containsKey("unicode"));
        for (var e : expected.entrySet()) {
            try (TensorFile tf = SafeLoader.open(TestFiles.RESOURCES.resolve(e.getKey()))) {
                assertEquals(List.copyOf(e.getValue().entrySet()), List.copyOf(tf.metadata().entrySet()), e.getKey());
            }
        }
        try (TensorFile tf = SafeLoader.open(TestFiles.RESOURCES.resolve("unpadded.safetensors"))) {
            assertTrue(tf.metadata().isEmpty());
        }
    }

    /** Widening to float against torch (F32, F16, BF16) and the float8 specs' formulas (every byte). */
    @Test
    void widensToFloatAsTorchAndTheSpecsDo() throws IOException {
        Set<String> checked = new LinkedHashSet<>();
        for (String[] f : TestFiles.tsv("floats.tsv")) {
            try (TensorFile tf = SafeLoader.open(TestFiles.RESOURCES.resolve(f[0]))) {
                float[] actual = tf.tensor(f[1]).toFloatArray();
                String[] bits = f[2].split(",");
                assertEquals(bits.length, actual.length, f[1]);
                for (int i = 0; i < bits.length; i++) {
                    float want = Float.intBitsToFloat(HexFormat.fromHexDigits(bits[i]));
                    if (Float.isNaN(want)) {
                        assertTrue(Float.isNaN(actual[i]), f[1] + "[" + i + "]");
                    } else {
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(actual[i]),
                                f[1] + "[" + i + "]: want " + want + ", got " + actual[i]);
                    }
                }
                checked.add(f[0] + ":" + f[1]);
            }
        }
        for (String t : List.of("f32", "f16", "bf16", "f8_e4m3", "f8_e5m2", "f8_e4m3fnuz", "f8_e5m2fnuz", "f8_e8m0")) {
            assertTrue(checked.contains("all_dtypes.safetensors:" + t), t);
        }
    }

    @Test
    void float8AnchorsFromTheSpecs() throws IOException {
        try (TensorFile tf = SafeLoader.open(TestFiles.RESOURCES.resolve("all_dtypes.safetensors"))) {
            assertEquals(448f, tf.tensor("f8_e4m3").toFloatArray()[0x7E]);
            assertEquals(57344f, tf.tensor("f8_e5m2").toFloatArray()[0x7B]);
            assertEquals(240f, tf.tensor("f8_e4m3fnuz").toFloatArray()[0x7F]);
            assertEquals(1f, tf.tensor("f8_e8m0").toFloatArray()[127]);
            assertThrows(UnsupportedOperationException.class, () -> tf.tensor("f4").toFloatArray());
        }
    }

    @Test
    void tensorsAreZeroCopySlicesOfOneMapping() throws IOException {
        try (TensorFile tf = SafeLoader.open(TestFiles.RESOURCES.resolve("unpadded.safetensors"))) {
            assertEquals(FileFormat.SAFETENSORS, tf.format());
            for (Tensor t : tf.tensors()) {
                MemorySegment d = t.data();
                assertTrue(d.isMapped(), t.name());
                assertTrue(d.isReadOnly(), t.name());
                assertFalse(t.isView(), t.name());
                assertEquals(tf.path(), t.file());
            }
            // unaligned: the header length is odd, so F32 data starts at an odd file offset
            assertTrue(tf.tensor("a").data().address() % 2 != 0 || tf.tensor("b").data().address() % 2 != 0);
            PyValue root = tf.root();
            assertTrue(root instanceof PyValue.Dict);
        }
    }

    private static void assertMatches(String tsv, String file) throws IOException {
        List<TestFiles.Row> rows = TestFiles.rows(tsv).stream().filter(r -> r.file().equals(file)).toList();
        try (TensorFile tf = SafeLoader.open(TestFiles.RESOURCES.resolve(file))) {
            assertEquals(FileFormat.SAFETENSORS, tf.format());
            List<String> names = tf.tensors().stream().map(Tensor::name).toList();
            assertEquals(rows.stream().map(TestFiles.Row::name).sorted().toList(), names.stream().sorted().toList());
            assertEquals(headerOrder(file, names), names, "tensors in header order");
            assertEquals(names, tf.keys(), "keys() as tensors(): header order, not data order");
            for (TestFiles.Row r : rows) {
                Tensor t = tf.tensor(r.name());
                assertEquals(r.dtype(), t.dtype().safetensorsName().orElseThrow(), r.name());
                assertArrayEquals(r.shape(), t.shape(), r.name());
                assertEquals(r.bytes().length, t.byteSize(), r.name());
                byte[] actual = t.data().toArray(ValueLayout.JAVA_BYTE);
                assertArrayEquals(r.bytes(), actual, r.name());
                byte[] copy = new byte[r.bytes().length];
                t.copyInto(copy, 0);
                assertArrayEquals(r.bytes(), copy, r.name());
            }
        }
    }

    /** The names sorted by where {@code "name":{} first appears in the file's raw bytes. */
    private static List<String> headerOrder(String file, List<String> names) throws IOException {
        String text = new String(java.nio.file.Files.readAllBytes(TestFiles.RESOURCES.resolve(file)),
                java.nio.charset.StandardCharsets.ISO_8859_1);
        return names.stream().sorted(java.util.Comparator.comparingInt(n -> text.indexOf("\"" + n + "\":{"))).toList();
    }

    @Test
    void zeroSizeAndScalarTensors() throws IOException {
        try (TensorFile tf = SafeLoader.open(TestFiles.RESOURCES.resolve("zero_size_and_scalar.safetensors"),
                LoadOptions.defaults())) {
            Tensor empty = tf.tensor("empty");
            assertArrayEquals(new long[] {2, 0}, empty.shape());
            assertEquals(0, empty.numel());
            assertEquals(0, empty.toFloatArray().length);
            Tensor scalar = tf.tensor("scalar");
            assertEquals(0, scalar.rank());
            assertArrayEquals(new double[] {2.5}, scalar.toDoubleArray());
        }
    }
}
