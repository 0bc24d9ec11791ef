package io.ptsafe.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.safetensors.SafetensorsConverter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PtsafeNDListTest {

    private static byte[] bytes(NDArray a) {
        ByteBuffer b = a.toByteBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"cnn.pt", "cnn.legacy.pt", "cnn.safetensors"})
    void everyTensorInFileOrderNamedWithTheFilesBytes(String name) throws IOException {
        try (NDManager manager = Fixtures.manager(); TensorFile file = SafeLoader.open(Fixtures.file(name))) {
            NDList list = PtsafeNDList.load(manager, Fixtures.file(name));
            assertEquals(file.keys(), list.stream().map(NDArray::getName).toList());
            for (Tensor t : file.tensors()) {
                NDArray a = list.get(t.name());
                assertArrayEquals(t.shape(), a.getShape().getShape(), t.name());
                byte[] want = new byte[(int) t.byteSize()];
                t.asByteBuffer().get(want);
                assertArrayEquals(want, bytes(a), t.name());
            }
            assertEquals(DataType.INT64, list.get("1.num_batches_tracked").getDataType());
        }
    }

    @Test
    void aShardedCheckpointLoadsThroughItsIndex(@TempDir Path dir) throws IOException {
        // ptsafe's converter shards the torch file: 4 tensors of at most 128 bytes to a shard.
        SafetensorsConverter.builder().maxShardSize(128).build().convert(Fixtures.file("mlp.pt"), dir.resolve("mlp.safetensors"));
        Path index = dir.resolve("mlp.safetensors.index.json");
        assertTrue(Files.exists(index));
        try (NDManager manager = Fixtures.manager()) {
            NDList sharded = PtsafeNDList.load(manager, index);
            NDList whole = PtsafeNDList.load(manager, Fixtures.file("mlp.safetensors"));
            assertEquals(4, sharded.size());
            for (NDArray a : whole) {
                assertArrayEquals(bytes(a), bytes(sharded.get(a.getName())), a.getName());
            }
        }
    }

    /** torch's every dtype (ptsafe-pickle's dtypes.pt): the exact ones load byte for byte. */
    @ParameterizedTest
    @ValueSource(strings = {"f64", "f32", "f16", "i64", "i32", "i8", "u8", "bool"})
    void dtypesDjlHoldsLoadAsThemselves(String name) throws IOException {
        Map<String, String> hex = expectedHex("dtypes");
        try (NDManager manager = Fixtures.manager(); TensorFile file = SafeLoader.open(Fixtures.torchReal("dtypes.pt"))) {
            NDArray a = Conversion.toNDArray(manager, file.tensor(name), DjlOptions.defaults());
            assertArrayEquals(HexFormat.of().parseHex(hex.get(name)), bytes(a), name);
        }
    }

    @Test
    void otherDtypesAreRefusedNamingTensorAndDtypeOrWidenedWhenAsked() throws IOException {
        try (NDManager manager = Fixtures.manager(); TensorFile file = SafeLoader.open(Fixtures.torchReal("dtypes.pt"))) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> PtsafeNDList.from(manager, file, DjlOptions.defaults()));
            assertTrue(e.getMessage().contains("tensor 'bf16'") && e.getMessage().contains("BF16")
                    && e.getMessage().contains("widen(true)"), e.getMessage());
            DjlOptions widen = DjlOptions.builder().widen(true).build();
            NDArray bf16 = Conversion.toNDArray(manager, file.tensor("bf16"), widen);
            assertEquals(DataType.FLOAT32, bf16.getDataType());
            assertArrayEquals(file.tensor("bf16").toFloatArray(), bf16.toFloatArray());
            NDArray i16 = Conversion.toNDArray(manager, file.tensor("i16"), widen);
            assertEquals(DataType.INT32, i16.getDataType());
            assertArrayEquals(new int[] {-32768, -1, 0, 32767}, i16.toIntArray());
            // Complex numbers do not widen: still refused, by name.
            e = assertThrows(UnsupportedOperationException.class, () -> PtsafeNDList.from(manager, file, widen));
            assertTrue(e.getMessage().contains("tensor 'c64'") && e.getMessage().contains("C64"), e.getMessage());
        }
    }

    @Test
    void quantizedTensorsAreRefusedUnlessDequantizeIsAsked() throws IOException {
        try (NDManager manager = Fixtures.manager()) {
            for (String name : List.of("quantized.pt", "quantized_per_channel.pt")) {
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                        () -> PtsafeNDList.load(manager, Fixtures.torchReal(name)));
                assertTrue(e.getMessage().contains("quantized") && e.getMessage().contains("dequantize(true)"), e.getMessage());
            }
            DjlOptions dequantize = DjlOptions.builder().dequantize(true).build();
            NDList list = PtsafeNDList.load(manager, Fixtures.torchReal("quantized.pt"), dequantize);
            Map<String, float[]> want = expectedDequantized("quantized");
            assertEquals(want.keySet(), new java.util.HashSet<>(list.stream().map(NDArray::getName).toList()));
            for (NDArray a : list) {
                assertEquals(DataType.FLOAT32, a.getDataType());
                assertArrayEquals(want.get(a.getName()), a.toFloatArray(), a.getName());
            }
            // Per channel; the packed 4-bit one is refused even when dequantizing.
            try (TensorFile file = SafeLoader.open(Fixtures.torchReal("quantized_per_channel.pt"))) {
                Map<String, float[]> perChannel = expectedDequantized("quantized_per_channel");
                for (String name : List.of("weight", "weight_axis1", "embedding_float_qparams")) {
                    assertArrayEquals(perChannel.get(name), Conversion.toNDArray(manager, file.tensor(name), dequantize).toFloatArray(), name);
                }
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                        () -> Conversion.toNDArray(manager, file.tensor("embedding_4bit"), dequantize));
                assertTrue(e.getMessage().contains("QUINT4X2"), e.getMessage());
            }
        }
    }

    @Test
    void aViewOfAFileThatCloses() throws IOException {
        try (NDManager manager = Fixtures.manager()) {
            assertThrows(IllegalArgumentException.class, () -> PtsafeNDList.load(manager, Fixtures.file("mlp.pt"),
                    DjlOptions.builder().memory(Memory.READ_ONLY_VIEW).build()));
        }
    }

    @Test
    void aRefusedFileIsPtsafesRefusal(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.safetensors");
        Files.write(bad, new byte[] {(byte) 0xff, 0, 0, 0, 0, 0, 0, 0, '{'});
        try (NDManager manager = Fixtures.manager()) {
            assertThrows(PtsafeException.class, () -> PtsafeNDList.load(manager, bad));
        }
    }

    @Test
    void savedArraysReadBackByteForByte(@TempDir Path dir) throws IOException {
        try (NDManager manager = Fixtures.manager()) {
            NDList list = PtsafeNDList.load(manager, Fixtures.file("cnn.pt"));
            Path out = dir.resolve("cnn.safetensors");
            PtsafeNDList.save(list, out);
            try (TensorFile back = SafeLoader.open(out); TensorFile original = SafeLoader.open(Fixtures.file("cnn.pt"))) {
                assertEquals(Map.of("format", "pt"), back.metadata());
                assertEquals(new java.util.HashSet<>(original.keys()), new java.util.HashSet<>(back.keys()));
                for (Tensor t : original.tensors()) {
                    assertEquals(t.dtype(), back.tensor(t.name()).dtype());
                    assertEquals(t.data().mismatch(back.tensor(t.name()).data()), -1L, t.name());
                }
            }
            NDArray unnamed = manager.zeros(new ai.djl.ndarray.types.Shape(2));
            assertThrows(IllegalArgumentException.class, () -> PtsafeNDList.save(new NDList(unnamed), dir.resolve("x.safetensors")));
        }
    }

    static Map<String, String> expectedHex(String fixture) throws IOException {
        Map<String, String> out = new HashMap<>();
        for (Map<String, Object> t : tensors(fixture)) {
            out.put((String) t.get("name"), (String) t.get("data_hex"));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, float[]> expectedDequantized(String fixture) throws IOException {
        Map<String, float[]> out = new HashMap<>();
        for (Map<String, Object> t : tensors(fixture)) {
            List<Double> v = (List<Double>) t.get("dequantized");
            float[] f = new float[v.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = v.get(i).floatValue();
            }
            out.put((String) t.get("name"), f);
        }
        return out;
    }

    /** The "tensors" of NAME.expected.json: each one's string fields and "dequantized" numbers. */
    private static List<Map<String, Object>> tensors(String fixture) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(Fixtures.torchReal(fixture + ".expected.json").toFile())) {
            while (p.nextToken() != null) {
                if (p.currentToken() == JsonToken.FIELD_NAME && p.currentName().equals("tensors")) {
                    p.nextToken();
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        Map<String, Object> t = new HashMap<>();
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String field = p.currentName();
                            JsonToken v = p.nextToken();
                            if (v == JsonToken.VALUE_STRING) {
                                t.put(field, p.getText());
                            } else if (field.equals("dequantized")) {
                                List<Double> d = new ArrayList<>();
                                while (p.nextToken() != JsonToken.END_ARRAY) {
                                    d.add(p.getDoubleValue());
                                }
                                t.put(field, d);
                            } else {
                                p.skipChildren();
                            }
                        }
                        out.add(t);
                    }
                    return out;
                }
            }
        }
        return out;
    }
}
