package io.ptsafe;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The immutable, insertion-ordered map inside {@link PyValue.Dict}. A state dict's root holds one
 * entry per tensor, so the map's bytes per entry are paid 100,000 times in a large checkpoint:
 * keys and values sit side by side in one array (8 bytes an entry) with an open-addressed table of
 * positions at most half full (4 to 8 bytes an entry), about 16 bytes an entry where a
 * {@code LinkedHashMap} takes about 50 (a 40-byte node and its share of the table). Lookups probe
 * linearly from the key's own hash code; the decoder bounds how many keys share one
 * ({@code TreeConverter.checkCollisions}). Mutators throw {@link UnsupportedOperationException}.
 */
final class CompactMap<K, V> extends AbstractMap<K, V> {
    /** Key i at 2i, its value at 2i + 1. */
    private final Object[] kv;
    /** Position + 1 of the key whose probe sequence passes here, 0 for an empty slot. */
    private final int[] index;
    private final int size;
    private Set<Map.Entry<K, V>> entrySet;

    private CompactMap(Object[] kv, int[] index, int size) {
        this.kv = kv;
        this.index = index;
        this.size = size;
    }

    /** A copy of {@code m} in its iteration order; {@code m} itself when it is already one. */
    @SuppressWarnings("unchecked")
    static <K, V> Map<K, V> copyOf(Map<? extends K, ? extends V> m) {
        if (m instanceof CompactMap<?, ?> c) {
            return (Map<K, V>) c;
        }
        int n = m.size();
        Object[] kv = new Object[2 * n];
        int[] index = new int[tableSize(n)];
        int size = 0;
        for (Map.Entry<? extends K, ? extends V> e : m.entrySet()) {
            if (size == n) {
                throw new IllegalArgumentException("map grew while it was copied");
            }
            Object k = e.getKey();
            int mask = index.length - 1;
            int slot = spread(Objects.hashCode(k)) & mask;
            int at;
            while ((at = index[slot]) != 0 && !Objects.equals(kv[2 * (at - 1)], k)) {
                slot = (slot + 1) & mask;
            }
            if (at != 0) { // a key equal to an earlier one (a map with its own equality): the later value wins
                kv[2 * (at - 1) + 1] = e.getValue();
                continue;
            }
            kv[2 * size] = k;
            kv[2 * size + 1] = e.getValue();
            index[slot] = ++size;
        }
        return new CompactMap<>(size == n ? kv : Arrays.copyOf(kv, 2 * size), index, size);
    }

    /** The smallest power of two at least twice {@code n} (at least 2), so the table is at most half full. */
    static int tableSize(int n) {
        return Math.max(2, Integer.highestOneBit(Math.max(1, 2 * n - 1)) << 1);
    }

    /** A key's first cell, seeded: keys come from files ({@link io.ptsafe.spi.SeededHash}). */
    private static int spread(int h) {
        return io.ptsafe.spi.SeededHash.spread(h);
    }

    /** The longest run of occupied cells in the table (for tests: how far a lookup may probe). */
    int longestRun() {
        return io.ptsafe.spi.SeededHash.longestRun(index, size);
    }

    private int find(Object k) {
        int mask = index.length - 1;
        int slot = spread(Objects.hashCode(k)) & mask;
        int at;
        while ((at = index[slot]) != 0) {
            if (Objects.equals(kv[2 * (at - 1)], k)) {
                return at - 1;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public boolean containsKey(Object key) {
        return find(key) >= 0;
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(Object key) {
        int i = find(key);
        return i < 0 ? null : (V) kv[2 * i + 1];
    }

    @Override
    @SuppressWarnings("unchecked")
    public V getOrDefault(Object key, V defaultValue) {
        int i = find(key);
        return i < 0 ? defaultValue : (V) kv[2 * i + 1];
    }

    @Override
    @SuppressWarnings("unchecked")
    public void forEach(BiConsumer<? super K, ? super V> action) {
        for (int i = 0; i < size; i++) {
            action.accept((K) kv[2 * i], (V) kv[2 * i + 1]);
        }
    }

    @Override
    public Set<Map.Entry<K, V>> entrySet() {
        Set<Map.Entry<K, V>> s = entrySet;
        if (s == null) {
            s = new Entries();
            entrySet = s; // a racing second view is as good as the first
        }
        return s;
    }

    private final class Entries extends AbstractSet<Map.Entry<K, V>> {
        @Override
        public int size() {
            return size;
        }

        @Override
        public boolean contains(Object o) {
            if (!(o instanceof Map.Entry<?, ?> e)) {
                return false;
            }
            int i = find(e.getKey());
            return i >= 0 && Objects.equals(kv[2 * i + 1], e.getValue());
        }

        @Override
        public Iterator<Map.Entry<K, V>> iterator() {
            return new Iterator<>() {
                private int i;

                @Override
                public boolean hasNext() {
                    return i < size;
                }

                @Override
                @SuppressWarnings("unchecked")
                public Map.Entry<K, V> next() {
                    if (i >= size) {
                        throw new NoSuchElementException();
                    }
                    Map.Entry<K, V> e = new AbstractMap.SimpleImmutableEntry<>((K) kv[2 * i], (V) kv[2 * i + 1]);
                    i++;
                    return e;
                }
            };
        }
    }
}
