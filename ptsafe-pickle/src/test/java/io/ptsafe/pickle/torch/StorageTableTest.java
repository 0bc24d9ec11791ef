package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link StorageTable}: first ref per key, in the order first named, through growth. */
class StorageTableTest {
    private static StorageRef ref(String key, long numel) {
        return new StorageRef(key, "torch.FloatStorage", DType.F32, "cpu", numel, null);
    }

    @Test
    void keepsTheFirstRefOfEachKeyInOrder() {
        StorageTable t = new StorageTable();
        List<StorageRef> first = new ArrayList<>();
        // Decimal keys as torch writes them, and others (Java's colliding "Aa"/"BB"), through several growths.
        for (int i = 0; i < 5000; i++) {
            String key = i % 3 == 0 ? Integer.toString(i) : (i % 2 == 0 ? "Aa" : "BB") + i;
            StorageRef r = ref(key, i);
            assertNull(t.putIfAbsent(r));
            first.add(r);
        }
        for (StorageRef r : first) {
            assertSame(r, t.putIfAbsent(ref(r.key(), -1)), r.key());
            assertSame(r, t.get(r.key()));
        }
        assertNull(t.get("5000"));
        assertNull(t.get(""));
        Map<String, StorageRef> m = t.asMap();
        assertEquals(5000, m.size());
        assertEquals(first, new ArrayList<>(m.values()));
        int i = 0;
        for (Map.Entry<String, StorageRef> e : m.entrySet()) {
            assertSame(first.get(i), e.getValue());
            assertEquals(first.get(i++).key(), e.getKey());
        }
        assertTrue(m.containsKey("3"));
        assertFalse(m.containsKey(3));
        assertSame(first.get(3), m.get("3"));
    }
}
