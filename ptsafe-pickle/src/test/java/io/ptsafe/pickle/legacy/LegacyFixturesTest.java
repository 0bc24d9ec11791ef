package io.ptsafe.pickle.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.FileFormat;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every real legacy checkpoint torch 1.13 wrote reads as its expected values, and exactly as its zip
 * twin {@code NAME.pt} (same tensors, bytes and tree). Where the shared torch layer refuses the zip
 * twin (a tensor kind it does not support yet), the legacy file must be refused for the same reason,
 * and the value comparison is reported as skipped, not passed.
 */
class LegacyFixturesTest {
    static final Path REAL = Path.of("src/test/resources/torch/real");

    static List<Path> legacyFiles() throws IOException {
        try (Stream<Path> s = Files.list(REAL)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".legacy.pt")).sorted().toList();
        }
    }

    static Path zipTwin(Path legacy) {
        String name = legacy.getFileName().toString();
        return legacy.resolveSibling(name.substring(0, name.indexOf('.')) + ".pt");
    }

    @TestFactory
    Stream<DynamicTest> readsExpectedValues() throws IOException {
        List<Path> files = legacyFiles();
        assertTrue(files.size() >= 23, "the real legacy fixtures are present: " + files.size());
        return files.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            skipWhereTheTorchLayerRefusesBoth(p);
            try (TensorFile f = SafeLoader.open(p)) {
                assertEquals(FileFormat.TORCH_LEGACY, f.format());
                Fixtures.assertMatches(f, Fixtures.expectedOf(p));
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> readsAsItsZipTwin() throws IOException {
        return legacyFiles().stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString() + " = "
                + zipTwin(p).getFileName(), () -> {
            skipWhereTheTorchLayerRefusesBoth(p);
            try (TensorFile legacy = SafeLoader.open(p); TensorFile twin = SafeLoader.open(zipTwin(p))) {
                assertEquals(FileFormat.TORCH_ZIP, twin.format());
                assertEquals(twin.tensors().stream().map(Tensor::name).toList(),
                        legacy.tensors().stream().map(Tensor::name).toList());
                for (int i = 0; i < twin.tensors().size(); i++) {
                    SameTree.assertSameTensor(twin.tensors().get(i), legacy.tensors().get(i),
                            "tensor '" + twin.tensors().get(i).name() + "'");
                }
                SameTree.assertSame(twin.root(), legacy.root(), "root");
            }
        }));
    }

    /** When the zip twin is refused, the legacy file must be refused alike; then the test is skipped. */
    private static void skipWhereTheTorchLayerRefusesBoth(Path legacy) throws IOException {
        PtsafeException zipRefusal;
        try (TensorFile twin = SafeLoader.open(zipTwin(legacy))) {
            return;
        } catch (PtsafeException e) {
            zipRefusal = e;
        }
        PtsafeException legacyRefusal = assertThrows(PtsafeException.class, () -> SafeLoader.open(legacy).close(),
                "the zip twin is refused (" + zipRefusal.getMessage() + "), so must the legacy file be");
        assertEquals(zipRefusal.reason(), legacyRefusal.reason(), legacyRefusal.getMessage());
        Assumptions.abort("the torch layer refuses both formats alike: " + legacyRefusal.getMessage());
    }
}
