package io.ptsafe.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDictsStrictTest {

    private static Map<String, float[]> values(Block block) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    private static void assertSameValues(Map<String, float[]> want, Map<String, float[]> got) {
        assertEquals(want.keySet(), got.keySet());
        want.forEach((k, v) -> assertArrayEquals(v, got.get(k), k));
    }

    @Test
    void everyProblemIsReportedAtOnceAndNothingIsAssigned() throws IOException {
        try (NDManager manager = Fixtures.manager(); TensorFile wrong = SafeLoader.open(Fixtures.file("mlp_wrong.pt"))) {
            Block mlp = TestBlocks.mlp();
            mlp.initialize(manager, DataType.FLOAT32, TestBlocks.MLP_INPUT);
            Map<String, float[]> before = values(mlp);
            StateDictMismatchException e = assertThrows(StateDictMismatchException.class, () -> StateDicts.load(mlp, wrong));
            LoadReport r = e.report();
            assertEquals(List.of("2.bias"), r.missing());
            assertEquals(List.of("extra.weight"), r.unexpected());
            assertEquals(List.of(new LoadReport.Mismatch("0.weight", "0.weight", "(8, 4)", "(8, 5)")), r.shapeMismatches());
            assertEquals(1, r.dtypeMismatches().size());
            assertEquals("0.bias", r.dtypeMismatches().get(0).name());
            assertEquals("FLOAT32", r.dtypeMismatches().get(0).expected());
            assertTrue(r.dtypeMismatches().get(0).found().startsWith("F64"), r.toString());
            for (String s : List.of("'2.bias'", "'extra.weight'", "'0.weight'", "'0.bias'", "mlp_wrong.pt", "nothing was loaded")) {
                assertTrue(e.getMessage().contains(s), s + " in " + e.getMessage());
            }
            assertSameValues(before, values(mlp));
        }
    }

    @Test
    void nonStrictLoadsWhatMatchesAndReturnsTheRest() throws IOException {
        try (NDManager manager = Fixtures.manager(); TensorFile wrong = SafeLoader.open(Fixtures.file("mlp_wrong.pt"))) {
            Block mlp = TestBlocks.mlp();
            mlp.initialize(manager, DataType.FLOAT32, TestBlocks.MLP_INPUT);
            Map<String, float[]> before = values(mlp);
            LoadReport r = StateDicts.load(mlp, wrong, DjlOptions.builder().strict(false).build());
            assertTrue(r.hasProblems());
            assertEquals(List.of("2.weight"), r.loaded());
            Map<String, float[]> after = values(mlp);
            assertArrayEquals(wrong.tensor("2.weight").toFloatArray(), after.get("03Linear_weight"));
            for (String untouched : List.of("01Linear_weight", "01Linear_bias", "03Linear_bias")) {
                assertArrayEquals(before.get(untouched), after.get(untouched), untouched);
            }
        }
    }

    @Test
    void castingIsOnlyOnRequest() throws IOException {
        try (NDManager manager = Fixtures.manager(); TensorFile wrong = SafeLoader.open(Fixtures.file("mlp_wrong.pt"))) {
            Block mlp = TestBlocks.mlp();
            mlp.initialize(manager, DataType.FLOAT32, TestBlocks.MLP_INPUT);
            LoadReport r = StateDicts.load(mlp, wrong, DjlOptions.builder().strict(false).cast(true).build());
            assertEquals(List.of("0.bias", "2.weight"), r.loaded());
            assertTrue(r.dtypeMismatches().isEmpty());
            double[] f64 = wrong.tensor("0.bias").toDoubleArray();
            float[] want = new float[f64.length];
            for (int i = 0; i < f64.length; i++) {
                want[i] = (float) f64[i];
            }
            assertArrayEquals(want, mlp.getParameters().get("01Linear_bias").getArray().toFloatArray());
        }
    }

    @Test
    void prefixRulesMatchAStateDictSavedFromDataParallel(@TempDir Path dir) throws IOException {
        Path prefixed = dir.resolve("module.safetensors");
        try (TensorFile mlp = SafeLoader.open(Fixtures.file("mlp.safetensors"))) {
            SafetensorsWriter w = SafetensorsWriter.create();
            for (Tensor t : mlp.tensors()) {
                w.add("module." + t.name(), t);
            }
            w.write(prefixed);
        }
        try (NDManager manager = Fixtures.manager(); TensorFile file = SafeLoader.open(prefixed)) {
            Block mlp = TestBlocks.mlp();
            mlp.initialize(manager, DataType.FLOAT32, TestBlocks.MLP_INPUT);
            StateDictMismatchException e = assertThrows(StateDictMismatchException.class, () -> StateDicts.load(mlp, file));
            assertEquals(4, e.report().missing().size());
            assertEquals(4, e.report().unexpected().size());
            LoadReport r = StateDicts.load(mlp, file, DjlOptions.builder().keys(KeyMapping.builder().stripPrefix("module.").build()).build());
            assertFalse(r.hasProblems());
            Fixtures.assertMatchesTorch(mlp, manager, "mlp");
        }
    }

    @Test
    void namesFollowTorch() {
        assertEquals(Map.of("01Linear_weight", "0.weight", "01Linear_bias", "0.bias", "03Linear_weight", "2.weight",
                "03Linear_bias", "2.bias"), StateDicts.names(TestBlocks.mlp()));
        Map<String, String> cnn = StateDicts.names(TestBlocks.cnn());
        assertEquals("1.running_var", cnn.get("02BatchNorm_runningVar"));
        assertEquals("1.weight", cnn.get("02BatchNorm_gamma"));
        assertEquals("4.weight", cnn.get("05Linear_weight"));
        Map<String, String> rnn = StateDicts.names(new TestBlocks.Rnn());
        assertEquals("lstm.weight_hh_l1", rnn.get("02lstm_l_1_h2h_WEIGHT"));
        assertEquals("emb.weight", rnn.get("01emb_embedding"));
        Map<String, String> enc = StateDicts.names(new TestBlocks.Encoder());
        assertEquals("norm1.bias", enc.get("05norm1_beta"));
    }

    @Test
    void anUninitializedBlockIsTheCallersMistake() throws IOException {
        try (TensorFile file = SafeLoader.open(Fixtures.file("mlp.pt"))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> StateDicts.load(TestBlocks.mlp(), file));
            assertTrue(e.getMessage().contains("initialize"), e.getMessage());
        }
    }

    @Test
    void aViewNeedsTheOpenFile() {
        Block mlp = TestBlocks.mlp();
        assertThrows(IllegalArgumentException.class, () -> StateDicts.load(mlp, Fixtures.file("mlp.pt"),
                DjlOptions.builder().memory(Memory.READ_ONLY_VIEW).build()));
    }

    @Test
    void aShardedStateDictLoadsLikeOneFile(@TempDir Path dir) throws IOException {
        io.ptsafe.safetensors.SafetensorsConverter.builder().maxShardSize(128).build()
                .convert(Fixtures.file("cnn.pt"), dir.resolve("cnn.safetensors"));
        try (NDManager manager = Fixtures.manager(); TensorFile file = SafeLoader.open(dir.resolve("cnn.safetensors.index.json"))) {
            Block cnn = TestBlocks.cnn();
            cnn.initialize(manager, DataType.FLOAT32, TestBlocks.CNN_INPUT);
            LoadReport r = StateDicts.load(cnn, file);
            assertEquals(8, r.loaded().size());
            assertEquals(List.of("1.num_batches_tracked"), r.ignored());
            Fixtures.assertMatchesTorch(cnn, manager, "cnn");
        }
    }
}
