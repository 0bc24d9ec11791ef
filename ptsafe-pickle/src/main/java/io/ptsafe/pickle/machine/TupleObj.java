package io.ptsafe.pickle.machine;

import io.ptsafe.PyValue;
import java.util.List;

/**
 * A Python tuple of machine values. Tuples never change once built, so when every item is
 * hashable the tuple's hashable form (a {@link PyValue.Tuple}) is computed once, at creation.
 */
public final class TupleObj {
    static final TupleObj EMPTY = new TupleObj(List.of(), new PyValue.Tuple(List.of()), 1, 1);

    private final List<Object> items;
    private final PyValue frozen;
    private final int height;
    private final int keyNodes;

    TupleObj(List<Object> items, PyValue frozen, int height, int keyNodes) {
        this.items = items;
        this.frozen = frozen;
        this.height = height;
        this.keyNodes = keyNodes;
    }

    /** The items (machine values), read-only. */
    public List<Object> items() {
        return items;
    }

    public int size() {
        return items.size();
    }

    public Object get(int i) {
        return items.get(i);
    }

    /** The hashable form, or null when an item is unhashable (a list, a dict, a tensor, ...). */
    PyValue frozen() {
        return frozen;
    }

    /** Nesting of the hashable form (1 for a tuple of scalars); meaningless when not hashable. */
    int height() {
        return height;
    }

    /** Nodes of the hashable form counted as a tree (saturating); meaningless when not hashable. */
    int keyNodes() {
        return keyNodes;
    }

    @Override
    public String toString() {
        return "tuple[" + items.size() + "]";
    }
}
