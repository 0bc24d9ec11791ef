package io.ptsafe.pickle.machine;

import io.ptsafe.PyValue;
import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * A Python tuple of machine values. Tuples never change once built: whether the tuple is hashable
 * is known at creation, and its hashable form (a {@link PyValue.Tuple}) is made once, the first
 * time it is needed (as a dict key, say), which most tuples of a checkpoint never are.
 */
public final class TupleObj {
    static final TupleObj EMPTY = new TupleObj(new Object[0], true, 1, 1);

    static {
        // Shared by every machine: made here, never written later.
        EMPTY.frozen = new PyValue.Tuple(List.of());
    }

    /** The items, in an array nobody else holds. */
    private final Object[] array;
    /**
     * The read-only view {@link #items()} gives: one class for every tuple, so that the calls on it
     * (a meaning reading its arguments) see one receiver type and stay inlined.
     */
    private final Items items;
    private final boolean hashable;
    private final int height;
    /** At most {@link PickleMachine#MAX_KEY_NODES} + 1: a short, so that a tuple takes 40 bytes, as charged. */
    private final short keyNodes;
    private PyValue frozen;
    /**
     * What the budget may give back when a call consumes this tuple and keeps nothing of it: the
     * tuple, and what was charged for values made after its MARK that nothing else holds (0 when
     * unknown, or when the tuple or those values may be held elsewhere). Set by the machine that made
     * it, never on {@link #EMPTY}.
     */
    private long region;

    /** A tuple of {@code array}, which the tuple owns from now on (no one else may hold or write it). */
    TupleObj(Object[] array, boolean hashable, int height, int keyNodes) {
        this.array = array;
        this.items = new Items(array);
        this.hashable = hashable;
        this.height = height;
        this.keyNodes = (short) Math.min(keyNodes, Short.MAX_VALUE);
    }

    /** The items (machine values), read-only. */
    public List<Object> items() {
        return items;
    }

    public int size() {
        return array.length;
    }

    public Object get(int i) {
        return array[i];
    }

    /** Whether every item is hashable (not a list, a dict, a tensor, ...). */
    boolean isHashable() {
        return hashable;
    }

    /** The hashable form, or null when an item is unhashable. */
    PyValue frozen() {
        return !hashable ? null : frozen != null ? frozen : Values.freezeTuple(this);
    }

    long region() {
        return region;
    }

    void region(long bytes) {
        if (this != EMPTY) {
            region = bytes;
        }
    }

    /** The hashable form if it was made already, else null. */
    PyValue madeFrozen() {
        return frozen;
    }

    void setFrozen(PyValue value) {
        frozen = value;
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
        return "tuple[" + array.length + "]";
    }

    /** A fixed, read-only list over a tuple's array. */
    private static final class Items extends AbstractList<Object> implements RandomAccess {
        private final Object[] a;

        Items(Object[] a) {
            this.a = a;
        }

        @Override
        public Object get(int index) {
            return a[java.util.Objects.checkIndex(index, a.length)];
        }

        @Override
        public int size() {
            return a.length;
        }

        @Override
        public Object[] toArray() {
            return a.clone();
        }
    }
}
