package io.ptsafe.pickle.torch;

import java.security.SecureRandom;
import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The storages a pickle names, by key, in the order first named ({@link StorageIds}): the refs in an
 * array, and an open-addressed table of their positions (at most half full), about 16 bytes a storage
 * where a {@code LinkedHashMap} node and its share of the table take about 56, and one probe where the
 * map's put hashed, linked and resized. Keys are hashed with a per-process random seed, so that a file
 * cannot aim its keys at one cell (Java's own string hash codes collide at will). Not thread-safe; read
 * through {@link #asMap()}.
 */
final class StorageTable {
    private static final long SEED = new SecureRandom().nextLong();
    private static final long M = 0x9E3779B97F4A7C15L;

    private StorageRef[] refs = new StorageRef[16];
    /** Each ref's key's hash, by position (a table grows without hashing the keys again). */
    private int[] hashes = new int[16];
    /** Position + 1 of the key whose probe sequence passes here; 0 for an empty cell. */
    private int[] cells = new int[32];
    private int size;

    /** Adds {@code ref} when its key is new (returns null), else returns the ref first named with that key. */
    StorageRef putIfAbsent(StorageRef ref) {
        String key = ref.key();
        int h = hash(key);
        int mask = cells.length - 1;
        int i = h & mask;
        for (int at; (at = cells[i]) != 0; i = (i + 1) & mask) {
            StorageRef r = refs[at - 1];
            if (hashes[at - 1] == h && r.key().equals(key)) {
                return r;
            }
        }
        if (size == refs.length) {
            refs = Arrays.copyOf(refs, 2 * size);
            hashes = Arrays.copyOf(hashes, 2 * size);
        }
        refs[size] = ref;
        hashes[size] = h;
        cells[i] = ++size;
        if (2 * size > cells.length) {
            grow();
        }
        return null;
    }

    /** The ref named with {@code key}, or null. */
    StorageRef get(String key) {
        int h = hash(key);
        int mask = cells.length - 1;
        for (int i = h & mask, at; (at = cells[i]) != 0; i = (i + 1) & mask) {
            if (hashes[at - 1] == h && refs[at - 1].key().equals(key)) {
                return refs[at - 1];
            }
        }
        return null;
    }

    int size() {
        return size;
    }

    private void grow() {
        int[] bigger = new int[2 * cells.length];
        int mask = bigger.length - 1;
        for (int p = 0; p < size; p++) {
            int i = hashes[p] & mask;
            while (bigger[i] != 0) {
                i = (i + 1) & mask;
            }
            bigger[i] = p + 1;
        }
        cells = bigger;
    }

    /** The key's seeded hash, its bits spread over the int (the table uses the low ones). */
    private static int hash(String key) {
        long h = SEED ^ key.length();
        int n = key.length();
        int k = 0;
        for (; k + 4 <= n; k += 4) {
            h = mix(h, key.charAt(k) | (long) key.charAt(k + 1) << 16 | (long) key.charAt(k + 2) << 32
                    | (long) key.charAt(k + 3) << 48);
        }
        for (; k < n; k++) {
            h = mix(h, key.charAt(k));
        }
        return (int) (h ^ (h >>> 32));
    }

    private static long mix(long h, long x) {
        h = (h ^ x) * M;
        return h ^ (h >>> 29);
    }

    /** A read-only view: by key, and in the order first named. */
    Map<String, StorageRef> asMap() {
        return new View();
    }

    private final class View extends AbstractMap<String, StorageRef> {
        @Override
        public int size() {
            return size;
        }

        @Override
        public boolean containsKey(Object key) {
            return key instanceof String k && StorageTable.this.get(k) != null;
        }

        @Override
        public StorageRef get(Object key) {
            return key instanceof String k ? StorageTable.this.get(k) : null;
        }

        @Override
        public Collection<StorageRef> values() {
            return new AbstractList<>() {
                @Override
                public StorageRef get(int i) {
                    if (i < 0 || i >= size) {
                        throw new IndexOutOfBoundsException(i);
                    }
                    return refs[i];
                }

                @Override
                public int size() {
                    return size;
                }
            };
        }

        @Override
        public Set<Map.Entry<String, StorageRef>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public int size() {
                    return size;
                }

                @Override
                public Iterator<Map.Entry<String, StorageRef>> iterator() {
                    return new Iterator<>() {
                        private int next;

                        @Override
                        public boolean hasNext() {
                            return next < size;
                        }

                        @Override
                        public Map.Entry<String, StorageRef> next() {
                            if (next >= size) {
                                throw new NoSuchElementException();
                            }
                            StorageRef r = refs[next++];
                            return Map.entry(r.key(), r);
                        }
                    };
                }
            };
        }
    }
}
