package io.ptsafe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The map inside PyValue.Dict: order, lookups, and keys chosen to crowd a fixed spread. */
class CompactMapTest {
    @Test
    void keepsOrderAndFindsEveryKey() {
        Map<Object, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < 1000; i++) {
            m.put("k" + (999 - i), i);
        }
        Map<Object, Object> c = CompactMap.copyOf(m);
        assertEquals(List.copyOf(m.keySet()), List.copyOf(c.keySet()));
        for (Map.Entry<Object, Object> e : m.entrySet()) {
            assertEquals(e.getValue(), c.get(e.getKey()));
        }
        assertNull(c.get("k1000"));
    }

    /**
     * Distinct hash codes a file could pick so that {@code h ^ h >>> 16} (the spread this map once
     * used) puts them all in cell 0: with the seeded spread they are spread, so a lookup probes a short
     * run instead of all of them.
     */
    @Test
    void keysChosenToCrowdAFixedSpreadSpreadOut() {
        int n = 1 << 12;
        Map<Object, Object> m = new LinkedHashMap<>();
        for (int k = 0; k < n; k++) {
            int h = k << 16 | k;
            assertEquals(0, (h ^ h >>> 16) & (2 * n - 1));
            m.put(h, k);
        }
        CompactMap<Object, Object> c = (CompactMap<Object, Object>) CompactMap.copyOf(m);
        for (int k = 0; k < n; k++) {
            assertEquals(k, c.get(k << 16 | k));
        }
        int longest = c.longestRun();
        assertTrue(longest < 200, "longest probe run " + longest);
    }
}
