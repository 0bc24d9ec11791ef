package io.ptsafe.pickle.machine;

import io.ptsafe.PyValue;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A converted dict's keys and converted values, seen as the map {@link PyValue.Dict} copies: the
 * converter hands it over without building a second hash map first (about 60 bytes an entry while
 * the root of a state dict is converted). The machine's dict already made its keys distinct, by
 * Python's equality, which implies the records' own. Read once, by one thread; not a general map.
 */
public final class KeyedResults extends AbstractMap<PyValue, PyValue> {
    private final List<PyValue> keys;
    private final PyValue[] values;

    /**
     * @param keys   distinct keys, in order
     * @param values their values, in the same order (as many)
     */
    public KeyedResults(List<PyValue> keys, PyValue[] values) {
        this.keys = keys;
        this.values = values;
    }

    @Override
    public int size() {
        return values.length;
    }

    @Override
    public Set<Map.Entry<PyValue, PyValue>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public int size() {
                return values.length;
            }

            @Override
            public Iterator<Map.Entry<PyValue, PyValue>> iterator() {
                return new Iterator<>() {
                    private int i;

                    @Override
                    public boolean hasNext() {
                        return i < values.length;
                    }

                    @Override
                    public Map.Entry<PyValue, PyValue> next() {
                        if (i >= values.length) {
                            throw new NoSuchElementException();
                        }
                        Map.Entry<PyValue, PyValue> e = new SimpleImmutableEntry<>(keys.get(i), values[i]);
                        i++;
                        return e;
                    }
                };
            }
        };
    }
}
