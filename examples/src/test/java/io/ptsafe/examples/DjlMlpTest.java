package io.ptsafe.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
        assertEquals(4, run.out().lines().filter(l -> l.contains("wrapped by DJL over the file mapping (no copy)")).count(), run.out());
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

    /** End to end: the NDArray reads the model file's page cache, so a write to the file shows in it. */
    @Test
    void parametersAreReadFromTheFileMapping(@TempDir Path dir) throws IOException {
        Path model = Files.copy(Repo.file("samples/mlp.pt"), dir.resolve("mlp.pt"));
        try (TensorFile f = SafeLoader.open(model); NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            Tensor bias = f.tensor("2.bias");
            assertFalse(bias.isView());
            NDArray a = DjlMlp.toNDArray(bias, m);
            float[] before = bias.toFloatArray();
            assertArrayEquals(before, a.toFloatArray());

            long at = indexOf(Files.readAllBytes(model), bytes(before));
            try (FileChannel ch = FileChannel.open(model, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 1234.5f), at);
            }
            assertEquals(1234.5f, a.getFloat(0), "the NDArray holds a copy, not the mapping");
        }
    }

    private static byte[] bytes(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    private static long indexOf(byte[] haystack, byte[] needle) {
        int found = -1;
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                assertEquals(-1, found, "the tensor's bytes occur twice in the file");
                found = i;
            }
        }
        assertTrue(found >= 0, "the tensor's bytes are not in the file");
        return found;
    }
}
