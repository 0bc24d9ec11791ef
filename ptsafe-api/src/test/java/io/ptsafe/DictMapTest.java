package io.ptsafe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link PyValue.Dict}'s compact map behaves as the insertion-ordered, read-only map it replaced. */
class DictMapTest {
    private static Map<PyValue, PyValue> entries(int n) {
        Map<PyValue, PyValue> m = new LinkedHashMap<>();
        for (int i = n - 1; i >= 0; i--) { // not in hash order
            m.put(new PyValue.Str("layer." + i + ".weight"), PyValue.Int.of(i));
        }
        m.put(PyValue.Int.of(7), PyValue.None.NONE);
        m.put(new PyValue.Tuple(List.of(PyValue.Int.of(1), new PyValue.Str("a"))), new PyValue.Str("t"));
        return m;
    }

    @Test
    void keepsOrderLookupsAndEqualityOfTheCopiedMap() {
        for (int n : new int[] {0, 1, 2, 3, 5, 100, 5000}) {
            Map<PyValue, PyValue> src = entries(n);
            PyValue.Dict d = new PyValue.Dict(src, "OrderedDict");
            assertEquals(src, d.entries());
            assertEquals(d.entries(), src);
            assertEquals(src.hashCode(), d.entries().hashCode());
            assertEquals(new ArrayList<>(src.keySet()), new ArrayList<>(d.entries().keySet()));
            assertEquals(new ArrayList<>(src.values()), new ArrayList<>(d.entries().values()));
            assertEquals(src.size(), d.entries().size());
            for (Map.Entry<PyValue, PyValue> e : src.entrySet()) {
                assertSame(e.getValue(), d.entries().get(e.getKey()));
                assertTrue(d.entries().containsKey(e.getKey()));
                assertTrue(d.entries().entrySet().contains(e));
            }
            assertNull(d.get("absent"));
            assertFalse(d.entries().containsKey(new PyValue.Str("absent")));
            assertEquals(src.toString(), d.entries().toString());
            assertEquals(new PyValue.Dict(src, "OrderedDict"), d);
        }
        assertEquals(PyValue.Int.of(3), new PyValue.Dict(entries(10)).get("layer.3.weight"));
    }

    @Test
    void isReadOnly() {
        Map<PyValue, PyValue> m = new PyValue.Dict(entries(3)).entries();
        PyValue k = new PyValue.Str("x");
        assertThrows(UnsupportedOperationException.class, () -> m.put(k, k));
        assertThrows(UnsupportedOperationException.class, () -> m.remove(PyValue.Int.of(7)));
        assertThrows(UnsupportedOperationException.class, m::clear);
        assertThrows(UnsupportedOperationException.class, () -> m.entrySet().iterator().next().setValue(k));
        assertThrows(UnsupportedOperationException.class, () -> m.keySet().iterator().remove());
        assertEquals(5, m.size());
    }

    @Test
    void doesNotSeeLaterChangesOfTheSourceMap() {
        Map<PyValue, PyValue> src = entries(2);
        PyValue.Dict d = new PyValue.Dict(src);
        src.put(new PyValue.Str("later"), PyValue.None.NONE);
        assertEquals(4, d.entries().size());
        assertNull(d.get("later"));
    }

    @Test
    void keysWithOneHashCodeAreAllFound() {
        // "Aa" and "BB" share String.hashCode, and so do their concatenations.
        Map<PyValue, PyValue> src = new LinkedHashMap<>();
        List<String> words = List.of("");
        for (int round = 0; round < 6; round++) {
            List<String> next = new ArrayList<>();
            for (String w : words) {
                next.add(w + "Aa");
                next.add(w + "BB");
            }
            words = next;
        }
        for (String w : words) {
            src.put(new PyValue.Str(w), new PyValue.Str(w));
        }
        PyValue.Dict d = new PyValue.Dict(src);
        assertEquals(64, d.entries().size());
        for (String w : words) {
            assertEquals(new PyValue.Str(w), d.get(w));
        }
    }
}
