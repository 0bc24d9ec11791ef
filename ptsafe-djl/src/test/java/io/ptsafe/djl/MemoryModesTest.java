package io.ptsafe.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The default copy is the engine's and writable; the view is the file's read-only mapping. Shown
 * from the kernel's memory map ({@code /proc/self/maps}) rather than by writing to the view, which
 * would kill the JVM.
 */
class MemoryModesTest {

    /** The /proc/self/maps line of the mapping holding an address: "start-end perms offset dev inode path". */
    private static Optional<String> mappingOf(long address) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
            String[] range = line.substring(0, line.indexOf(' ')).split("-");
            if (Long.compareUnsigned(Long.parseUnsignedLong(range[0], 16), address) <= 0
                    && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0) {
                return Optional.of(line);
            }
        }
        return Optional.empty();
    }

    /** Where the engine keeps the array's values: DJL's PyTorch engine gives a direct buffer over them. */
    private static long address(NDArray a) {
        return MemorySegment.ofBuffer(a.toByteBuffer(true)).address();
    }

    @Test
    void theDefaultCopyIsWritableAndOutlivesTheFile() throws IOException {
        try (NDManager manager = Fixtures.manager()) {
            Block mlp = TestBlocks.mlp();
            mlp.initialize(manager, DataType.FLOAT32, TestBlocks.MLP_INPUT);
            float[] file;
            try (TensorFile f = SafeLoader.open(Fixtures.file("mlp.safetensors"))) {
                StateDicts.load(mlp, f);
                file = f.tensor("0.weight").toFloatArray();
                NDArray w = mlp.getParameters().get("01Linear_weight").getArray();
                Assumptions.assumeTrue(Files.exists(Path.of("/proc/self/maps")));
                String mapping = mappingOf(address(w)).orElseThrow();
                assertTrue(!mapping.contains("mlp.safetensors") && mapping.split(" +")[1].startsWith("rw"), mapping);
            }
            // The file is closed: in-place operations on the loaded parameter are safe.
            NDArray w = mlp.getParameters().get("01Linear_weight").getArray();
            w.addi(1f);
            w.muli(2f);
            float[] got = w.toFloatArray();
            for (int i = 0; i < file.length; i++) {
                assertEquals((file[i] + 1f) * 2f, got[i], i + "");
            }
            assertTrue(w.hasGradient(), "a parameter keeps its gradient setting");
        }
    }

    @Test
    void theViewIsTheFilesReadOnlyMapping() throws IOException {
        Assumptions.assumeTrue(Files.exists(Path.of("/proc/self/maps")));
        DjlOptions view = DjlOptions.builder().memory(Memory.READ_ONLY_VIEW).build();
        try (TensorFile f = SafeLoader.open(Fixtures.file("mlp.safetensors")); NDManager manager = Fixtures.manager()) {
            Block mlp = TestBlocks.mlp();
            mlp.initialize(manager, DataType.FLOAT32, TestBlocks.MLP_INPUT);
            StateDicts.load(mlp, f, view);
            for (String name : List.of("0.weight", "0.bias", "2.weight", "2.bias")) {
                NDArray a = mlp.getParameters().get(name.startsWith("0") ? "01Linear_" + name.substring(2) : "03Linear_" + name.substring(2))
                        .getArray();
                long at = address(a);
                assertEquals(f.tensor(name).data().address(), at, name + ": the very bytes of the mapping, no copy");
                String mapping = mappingOf(at).orElseThrow();
                String perms = mapping.split(" +")[1];
                assertTrue(perms.startsWith("r-"), name + " is read-only: " + mapping);
                assertTrue(mapping.endsWith("mlp.safetensors"), mapping);
            }
            Fixtures.assertMatchesTorch(mlp, manager, "mlp");

            NDList viewList = PtsafeNDList.from(manager, f, view);
            NDList copyList = PtsafeNDList.from(manager, f, DjlOptions.defaults());
            assertEquals(f.tensor("2.bias").data().address(), address(viewList.get("2.bias")));
            assertNotEquals(f.tensor("2.bias").data().address(), address(copyList.get("2.bias")));
            assertArrayEquals(viewList.get("2.bias").toFloatArray(), copyList.get("2.bias").toFloatArray());
        }
    }
}
