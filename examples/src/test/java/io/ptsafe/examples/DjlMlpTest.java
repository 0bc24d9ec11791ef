package io.ptsafe.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.Model;
import ai.djl.nn.SequentialBlock;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import io.ptsafe.djl.DjlOptions;
import io.ptsafe.djl.StateDicts;
import io.ptsafe.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DjlMlpTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @Test
    void theSampleRunsAndMatchesTorch() {
        Repo.Run run = Repo.run(DjlMlp::run, Repo.file("samples/mlp.pt").toString(),
                Repo.file("samples/mlp.input.json").toString(), Repo.file("samples/mlp.output.json").toString());
        assertEquals(0, run.status(), run.out() + run.err());
        assertTrue(run.out().strip().endsWith("match"), run.out());
        assertTrue(run.out().contains("4 tensors loaded"), run.out());
        assertTrue(run.out().contains("0.weight -> 01Linear_weight") && run.out().contains("2.bias   -> 03Linear_bias"), run.out());
    }

    @Test
    void everyOutputIsWithinTheToleranceOfTorchs() throws IOException {
        DjlMlp.Batch input = DjlMlp.Batch.read(Repo.file("samples/mlp.input.json"));
        DjlMlp.Batch expected = DjlMlp.Batch.read(Repo.file("samples/mlp.output.json"));
        DjlMlp.Batch output = DjlMlp.forward(Repo.file("samples/mlp.pt"), input, QUIET);
        assertArrayEquals(new long[] {2, 3}, output.shape());
        for (int i = 0; i < expected.values().length; i++) {
            float want = expected.values()[i];
            float got = output.values()[i];
            assertTrue(Math.abs(got - want) <= DjlMlp.RELATIVE_TOLERANCE * Math.abs(want), i + ": " + got + " vs torch " + want);
        }
    }

    @Test
    void aWrongExpectationIsStatusOne(@TempDir Path dir) throws IOException {
        Path wrong = dir.resolve("wrong.json");
        Files.writeString(wrong, "{\"shape\": [2, 3], \"data\": [[0.4, 0.17, -0.18], [0.36, 0.22, -0.13]]}");
        Repo.Run run = Repo.run(DjlMlp::run, Repo.file("samples/mlp.pt").toString(),
                Repo.file("samples/mlp.input.json").toString(), wrong.toString());
        assertEquals(1, run.status(), run.out());
        assertTrue(run.err().contains("beyond the tolerance"), run.err());
    }

    /** The claim of DjlMlp's Javadoc: DJL's PyTorch engine wraps a direct ByteBuffer, and copies a heap one. */
    @Test
    void djlWrapsADirectBufferAndCopiesAHeapOne() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            ByteBuffer direct = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer heap = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            NDArray overDirect = m.create(direct, new Shape(4), DataType.FLOAT32);
            NDArray overHeap = m.create(heap, new Shape(4), DataType.FLOAT32);
            direct.putFloat(4, 42f);
            heap.putFloat(4, 42f);
            assertEquals(42f, overDirect.getFloat(1));
            assertEquals(0f, overHeap.getFloat(1));
        }
    }

    /** The parameters are libtorch's copies: an in-place update after loading is safe (it used to crash the JVM). */
    @Test
    void theLoadedWeightsCanBeUpdatedInPlace() throws IOException {
        SequentialBlock mlp = DjlMlp.block();
        try (Model model = Model.newInstance("mlp", "PyTorch")) {
            StateDicts.initialize(model, mlp, Repo.file("samples/mlp.pt"), DjlOptions.defaults(), new Shape(1, 4));
            NDArray bias = mlp.getParameters().get("03Linear_bias").getArray();
            float[] before = bias.toFloatArray();
            bias.addi(1f);
            float[] after = bias.toFloatArray();
            for (int i = 0; i < before.length; i++) {
                assertEquals(before[i] + 1f, after[i]);
            }
        }
    }

    /** A state dict of another network is refused, every problem named, before anything is assigned. */
    @Test
    void anotherNetworksStateDictIsRefused(@TempDir Path dir) throws IOException {
        Path other = dir.resolve("other.safetensors");
        try (TensorFile f = SafeLoader.open(Repo.file("samples/mlp.pt"))) {
            SafetensorsWriter.create().add("0.weight", f.tensor("2.weight")).add("0.bias", f.tensor("0.bias")).write(other);
        }
        Repo.Run run = Repo.run(DjlMlp::run, other.toString(), Repo.file("samples/mlp.input.json").toString(),
                Repo.file("samples/mlp.output.json").toString());
        assertEquals(1, run.status(), run.out());
        assertTrue(run.err().contains("Missing key(s) (2): '2.weight', '2.bias'") && run.err().contains("'0.weight'"), run.err());
    }
}
