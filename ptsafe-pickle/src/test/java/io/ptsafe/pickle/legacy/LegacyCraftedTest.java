package io.ptsafe.pickle.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.FileFormat;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.Fixtures;
import io.ptsafe.pickle.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixtures of {@code torch/legacy/} (make_legacy_fixtures.py): storage views as torch before
 * 1.0 wrote them, and broken streams refused with the Reason their manifest gives.
 */
class LegacyCraftedTest {
    static final Path DIR = Path.of("src/test/resources/torch/legacy");
    static final Path REAL = Path.of("src/test/resources/torch/real");

    @Test
    void oldViewsReadAsTorchReadsThem() throws Exception {
        Path p = DIR.resolve("old_views.legacy.pt");
        try (TensorFile f = SafeLoader.open(p)) {
            assertEquals(FileFormat.TORCH_LEGACY, f.format());
            Fixtures.assertMatches(f, Fixtures.expectedOf(p));
            // A view is a slice of its root's block: elements [2, 8) of the 12-float root.
            Tensor root = f.tensor("root");
            Tensor window = f.tensor("window");
            assertEquals(6 * 4, window.storage().byteSize());
            assertEquals(root.storage().address() + 2 * 4, window.storage().address());
            assertEquals(5 * 8, f.tensor("only_view").storage().byteSize());
            assertTrue(root.storage().isMapped() && window.storage().isMapped(), "zero-copy slices of the mapping");
        }
    }

    @Tag("lowmem")
    @TestFactory
    Stream<DynamicTest> brokenStreamsRefusedWithTheirReason() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Object o : Json.arr(Json.read(DIR.resolve("manifest.json")))) {
            Map<String, Object> e = Json.obj(o);
            Path p = DIR.resolve((String) e.get("file"));
            Reason expected = Reason.valueOf((String) e.get("expect_reason"));
            tests.add(DynamicTest.dynamicTest(p.getFileName() + " -> " + expected, () -> {
                PtsafeException x = assertThrows(PtsafeException.class, () -> SafeLoader.open(p).close());
                assertEquals(expected, x.reason(), x.getMessage());
                assertTrue(x.getMessage().startsWith(p.toString()), x.getMessage());
            }));
        }
        assertEquals(24, tests.size());
        return tests.stream();
    }

    @Test
    void bigEndianHostVariantReadsTheSameBytes() throws Exception {
        // sys_info says little_endian False; torch writes storages little-endian anyway and ignores sys_info.
        Path big = REAL.resolve("dtypes.big_endian_host.legacy.pt");
        try (TensorFile f = SafeLoader.open(big); TensorFile little = SafeLoader.open(REAL.resolve("dtypes.legacy.pt"))) {
            Fixtures.assertMatches(f, Fixtures.expectedOf(big));
            for (int i = 0; i < f.tensors().size(); i++) {
                SameTree.assertSameTensor(little.tensors().get(i), f.tensors().get(i), f.tensors().get(i).name());
                assertEquals(java.nio.ByteOrder.LITTLE_ENDIAN, f.tensors().get(i).storageByteOrder());
            }
        }
    }

    @Test
    void contiguousTensorsAreSlicesOfTheMapping() throws IOException {
        try (TensorFile f = SafeLoader.open(REAL.resolve("linear.legacy.pt"))) {
            for (Tensor t : f.tensors()) {
                assertTrue(!t.isView() && t.data().isMapped() && t.data().isReadOnly(), t.name());
            }
            Tensor w = f.tensor("weight");
            f.close();
            assertThrows(io.ptsafe.TensorFileClosedException.class, w::data);
        }
    }

    @Test
    void wrongMagicNumberIsAnInvalidHeader(@TempDir Path tmp) throws IOException {
        byte[] real = Files.readAllBytes(REAL.resolve("linear.legacy.pt"));
        byte[] b = real.clone();
        b[4] ^= 1; // inside LONG1's ten bytes: another number
        Path p = Files.write(tmp.resolve("x.pt"), b);
        assertEquals(false, LegacyMagic.startsWithMagic(b), "no longer recognised from its bytes");
        PtsafeException x = assertThrows(PtsafeException.class, () -> LegacyReader.open(p, LoadOptions.defaults()));
        assertEquals(Reason.INVALID_LEGACY_HEADER, x.reason(), x.getMessage());
        assertTrue(x.getMessage().contains("magic number"), x.getMessage());
        // Through SafeLoader it is some other pickle: refused all the same, never loaded.
        assertThrows(PtsafeException.class, () -> SafeLoader.open(p).close());
    }
}
