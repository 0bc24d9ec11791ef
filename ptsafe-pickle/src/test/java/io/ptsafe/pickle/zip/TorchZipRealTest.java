package io.ptsafe.pickle.zip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.FileFormat;
import io.ptsafe.LoadOptions;
import io.ptsafe.PyValue;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.Fixtures;
import io.ptsafe.pickle.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every real torch 1.13 zip checkpoint (and crafted variant) decodes to its expected.json, byte for byte. */
class TorchZipRealTest {

    static List<Path> zipFixtures() throws Exception {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(Fixtures.REAL)) {
            s.filter(p -> p.toString().endsWith(".pt") && !p.toString().endsWith(".legacy.pt")).sorted()
                    .forEach(files::add);
        }
        return files;
    }

    @TestFactory
    Stream<DynamicTest> everyRealZipFile() throws Exception {
        List<Path> files = zipFixtures();
        assertTrue(files.size() >= 25, "fixtures found: " + files.size());
        return files.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            try (TensorFile f = TorchZipReader.open(p, LoadOptions.defaults())) {
                assertEquals(FileFormat.TORCH_ZIP, f.format());
                Fixtures.assertMatches(f, Fixtures.expectedOf(p));
            }
        }));
    }

    @Test
    void variantsAreAllListed() throws Exception {
        for (Object o : Json.arr(Json.read(Fixtures.REAL.resolve("variants.json")))) {
            Map<String, Object> v = Json.obj(o);
            assertTrue(Files.exists(Fixtures.REAL.resolve((String) v.get("file"))), v.get("file").toString());
        }
    }

    @Test
    void safeLoaderFindsTheProvider() throws Exception {
        try (TensorFile f = SafeLoader.open(Fixtures.REAL.resolve("training_checkpoint.pt"))) {
            assertEquals(FileFormat.TORCH_ZIP, f.format());
            PyValue.Dict root = assertInstanceOf(PyValue.Dict.class, f.root());
            assertEquals(PyValue.Int.of(3), root.get("epoch"));
            PyValue.Dict config = (PyValue.Dict) root.get("config");
            assertEquals(new PyValue.Str("caf\u00e9 \u2713 \u6a21\u578b"), config.get("note"));
            Tensor t = f.tensor("optimizer.state.0.exp_avg");
            assertEquals(t, f.findTensor("optimizer.state.0.exp_avg").orElseThrow());
        }
    }

    @Test
    void closedFilesRefuseReads() throws Exception {
        Tensor t;
        try (TensorFile f = TorchZipReader.open(Fixtures.REAL.resolve("linear.pt"), LoadOptions.defaults())) {
            t = f.tensor("weight");
            assertEquals(48, t.data().byteSize());
        }
        Tensor closed = t;
        org.junit.jupiter.api.Assertions.assertThrows(io.ptsafe.TensorFileClosedException.class, closed::data);
    }
}
