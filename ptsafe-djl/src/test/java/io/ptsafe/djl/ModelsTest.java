package io.ptsafe.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Each torch model's state dict, from each file torch wrote, into its DJL twin: DJL's output is torch's. */
class ModelsTest {
    private static final List<String> FILES = List.of(".pt", ".legacy.pt", ".safetensors");

    private static void check(String model, Supplier<Block> block, Shape input, DjlOptions options, int loaded,
            List<String> ignored) throws IOException {
        for (String suffix : FILES) {
            try (NDManager manager = Fixtures.manager(); TensorFile file = SafeLoader.open(Fixtures.file(model + suffix))) {
                Block b = block.get();
                b.initialize(manager, DataType.FLOAT32, input);
                LoadReport report = StateDicts.load(b, file, options);
                assertEquals(loaded, report.loaded().size(), suffix + " " + report);
                assertEquals(ignored, report.ignored(), suffix);
                Fixtures.assertMatchesTorch(b, manager, model);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = "mlp")
    void mlp(String model) throws IOException {
        check(model, TestBlocks::mlp, TestBlocks.MLP_INPUT, DjlOptions.defaults(), 4, List.of());
    }

    @ParameterizedTest
    @ValueSource(strings = "cnn")
    void cnnWithBatchNormRunningStatistics(String model) throws IOException {
        check(model, TestBlocks::cnn, TestBlocks.CNN_INPUT, DjlOptions.defaults(), 8, List.of("1.num_batches_tracked"));
    }

    @ParameterizedTest
    @ValueSource(strings = "rnn")
    void embeddingLstmGru(String model) throws IOException {
        check(model, TestBlocks.Rnn::new, TestBlocks.RNN_INPUT, DjlOptions.builder().cast(true).build(), 15, List.of());
    }

    @ParameterizedTest
    @ValueSource(strings = "encoder")
    void transformerEncoderLayerWithUserRules(String model) throws IOException {
        check(model, TestBlocks.Encoder::new, TestBlocks.ENCODER_INPUT,
                DjlOptions.builder().keys(TestBlocks.encoderKeys()).build(), 12, List.of());
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp.pt", "mlp.safetensors"})
    void aModelInitializedFromTheFileInOneCall(String name) throws IOException {
        try (Model model = Model.newInstance("mlp", "PyTorch")) {
            LoadReport report = StateDicts.initialize(model, TestBlocks.mlp(), Fixtures.file(name), DjlOptions.defaults(),
                    TestBlocks.MLP_INPUT);
            assertEquals(List.of("0.bias", "0.weight", "2.bias", "2.weight"), report.loaded().stream().sorted().toList());
            Fixtures.assertMatchesTorch(model.getBlock(), model.getNDManager(), "mlp");
        }
    }
}
