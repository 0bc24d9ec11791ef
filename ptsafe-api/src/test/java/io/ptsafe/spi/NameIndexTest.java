package io.ptsafe.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.FileFormat;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** BasicTensorFile's name index and its root: order, duplicates, and the state dict rebuilt on demand. */
class NameIndexTest {
    private static final Path FILE = Path.of("m.pt");

    private static Tensor t(String name) {
        return Tensor.of(name, new float[] {1}, 1);
    }

    private static BasicTensorFile file(List<Tensor> tensors, PyValue root) throws PtsafeException {
        return new BasicTensorFile(FILE, FileFormat.TORCH_ZIP, tensors, Map.of(), root, null, List.of());
    }

    @Test
    void findsEveryNameAndKeepsFileOrder() throws Exception {
        List<Tensor> tensors = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            tensors.add(t("layers." + (4999 - i) + ".weight"));
        }
        // equal hash codes ("Aa" and "BB"), the empty name and a name that is a prefix of another
        tensors.add(t("Aa"));
        tensors.add(t("BB"));
        tensors.add(t(""));
        tensors.add(t("layers.1"));
        try (BasicTensorFile f = file(tensors, null)) {
            assertEquals(tensors, f.tensors());
            for (Tensor x : tensors) {
                assertSame(x, f.findTensor(x.name()).orElseThrow(), x.name());
            }
            assertTrue(f.findTensor("layers.5000.weight").isEmpty());
            assertTrue(f.findTensor("Ab").isEmpty());
            assertEquals("layers.4999.weight", f.keys().getFirst());
        }
        try (BasicTensorFile empty = file(List.of(), null)) {
            assertTrue(empty.findTensor("").isEmpty());
        }
    }

    /**
     * Names a file can choose to share one String hash code (every string of "Aa" and "BB" blocks):
     * past {@link NameIndex#MAX_SAME_HASH} of them the index gives way to a map, with the same answers.
     */
    @Test
    void namesSharingOneHashCodeAreIndexedByAMap() throws Exception {
        List<Tensor> tensors = new ArrayList<>();
        for (int i = 0; i < 1 << 12; i++) {
            StringBuilder name = new StringBuilder();
            for (int bit = 0; bit < 12; bit++) {
                name.append((i >> bit & 1) == 0 ? "Aa" : "BB");
            }
            tensors.add(t(name.toString()));
            assertEquals(tensors.getFirst().name().hashCode(), name.toString().hashCode());
        }
        NameIndex index = NameIndex.of(tensors);
        assertTrue(index.isCrowded());
        for (Tensor x : tensors) {
            assertSame(x, index.get(x.name()), x.name());
        }
        assertEquals(null, index.get("Aa".repeat(11) + "Ab"));
        assertEquals(null, index.get("Aa".repeat(13)));
        List<Tensor> repeated = new ArrayList<>(tensors);
        repeated.add(t(tensors.get(100).name()));
        repeated.add(t(tensors.get(7).name()));
        NameIndex.Duplicate d = assertThrows(NameIndex.Duplicate.class, () -> NameIndex.of(repeated));
        assertEquals(tensors.get(100).name(), d.name());
        // A few sharing one code stay in the table.
        assertTrue(!NameIndex.of(tensors.subList(0, NameIndex.MAX_SAME_HASH)).isCrowded());
    }

    @Test
    void refusesTheFirstRepeatedName() {
        for (List<String> names : List.of(List.of("a", "b", "a"), List.of("Aa", "BB", "Aa", "BB"),
                List.of("", ""), List.of("x", "y", "z", "y", "x"))) {
            List<Tensor> tensors = names.stream().map(NameIndexTest::t).toList();
            PtsafeException e = assertThrows(PtsafeException.class, () -> file(tensors, null), names.toString());
            assertEquals(Reason.DUPLICATE_TENSOR, e.reason());
            int p = 1;
            while (!names.subList(0, p).contains(names.get(p))) {
                p++;
            }
            assertTrue(e.getMessage().contains("tensor name '" + names.get(p) + "' appears twice"), e.getMessage());
        }
    }

    @Test
    void aFlatStateDictIsRebuiltEqualOnDemand() throws Exception {
        List<Tensor> tensors = List.of(t("b"), t("a"), t("c"));
        Map<PyValue, PyValue> entries = new LinkedHashMap<>();
        for (Tensor x : tensors) {
            entries.put(new PyValue.Str(x.name()), new PyValue.TensorValue(x));
        }
        PyValue.Dict tree = new PyValue.Dict(entries, "collections.OrderedDict");
        try (BasicTensorFile f = file(tensors, tree)) {
            PyValue root = f.root();
            assertNotSame(tree, root, "not kept from the open");
            assertEquals(tree, root);
            assertEquals(List.copyOf(tree.entries().keySet()), List.copyOf(((PyValue.Dict) root).entries().keySet()));
            assertSame(tensors.get(1), ((PyValue.TensorValue) ((PyValue.Dict) root).get("a")).tensor());
            assertSame(root, f.root());
        }
    }

    @Test
    void anyOtherTreeIsKeptAsDecoded() throws Exception {
        List<Tensor> tensors = List.of(t("a"), t("b"));
        List<PyValue.Dict> trees = new ArrayList<>();
        // another order than the list
        trees.add(dict(Map.entry("b", tensors.get(1)), Map.entry("a", tensors.get(0))));
        // a value that is not a tensor, a key that is not a str, another tensor under the name
        Map<PyValue, PyValue> extra = new LinkedHashMap<>(dict(Map.entry("a", tensors.get(0)),
                Map.entry("b", tensors.get(1))).entries());
        extra.put(new PyValue.Str("epoch"), PyValue.Int.of(3));
        trees.add(new PyValue.Dict(extra));
        Map<PyValue, PyValue> intKey = new LinkedHashMap<>();
        intKey.put(PyValue.Int.of(0), new PyValue.TensorValue(tensors.get(0)));
        intKey.put(new PyValue.Str("b"), new PyValue.TensorValue(tensors.get(1)));
        trees.add(new PyValue.Dict(intKey));
        trees.add(dict(Map.entry("a", t("a")), Map.entry("b", tensors.get(1))));
        for (PyValue.Dict tree : trees) {
            try (BasicTensorFile f = file(tensors, tree)) {
                assertSame(tree, f.root(), tree.toString());
            }
        }
    }

    @SafeVarargs
    private static PyValue.Dict dict(Map.Entry<String, Tensor>... entries) {
        Map<PyValue, PyValue> m = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : entries) {
            m.put(new PyValue.Str(e.getKey()), new PyValue.TensorValue(e.getValue()));
        }
        return new PyValue.Dict(m);
    }
}
