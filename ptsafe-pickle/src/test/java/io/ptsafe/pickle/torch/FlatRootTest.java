package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.ptsafe.LoadOptions;
import io.ptsafe.PyValue;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.Fixtures;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A state dict saved by torch (a flat OrderedDict of name to tensor) is not kept from the open:
 * {@code root()} builds it again, and what it builds is the dict torch saved.
 */
class FlatRootTest {
    @Test
    void theStateDictOfARealCheckpointIsRebuiltAsSaved() throws Exception {
        for (String name : List.of("linear.pt", "linear.legacy.pt", "conv2d.pt", "lstm.pt")) {
            Path file = Fixtures.REAL.resolve(name);
            try (TensorFile f = SafeLoader.open(file, LoadOptions.defaults())) {
                PyValue.Dict root = assertInstanceOf(PyValue.Dict.class, f.root(), name);
                assertEquals("OrderedDict", root.kind(), name);
                assertEquals(f.keys(), root.entries().keySet().stream().map(k -> ((PyValue.Str) k).value()).toList(),
                        name);
                for (Map.Entry<PyValue, PyValue> e : root.entries().entrySet()) {
                    String key = ((PyValue.Str) e.getKey()).value();
                    assertSame(f.tensor(key), ((PyValue.TensorValue) e.getValue()).tensor(), name + " " + key);
                }
                assertSame(root, f.root(), "built once");
            }
        }
    }

    @Test
    void aTreeWithMoreThanTensorsIsKept() throws Exception {
        try (TensorFile f = SafeLoader.open(Fixtures.REAL.resolve("adam.pt"), LoadOptions.defaults())) {
            PyValue.Dict root = assertInstanceOf(PyValue.Dict.class, f.root());
            assertSame(root, f.root());
            assertInstanceOf(PyValue.Dict.class, root.get("state"), "the optimizer's nested dicts, as decoded");
        }
    }
}
