package io.ptsafe.pickle.machine;

import io.ptsafe.PyValue;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/** A Python set (filled by ADDITEMS) or frozenset. Elements are hashable values in frozen form. */
final class SetObj {
    private final boolean frozen;
    final LinkedHashSet<Key> items = new LinkedHashSet<>();
    private PyValue frozenValue;
    private int height = 1;
    private int keyNodes = 1;

    SetObj(boolean frozen) {
        this.frozen = frozen;
    }

    public boolean isFrozen() {
        return frozen;
    }

    public int size() {
        return items.size();
    }

    /** The elements, in insertion order. */
    public List<PyValue> items() {
        List<PyValue> l = new ArrayList<>(items.size());
        for (Key k : items) {
            l.add(k.value());
        }
        return l;
    }

    void add(Key k, int itemHeight, int itemNodes) {
        items.add(k);
        height = Math.max(height, itemHeight + 1);
        keyNodes = (int) Math.min((long) keyNodes + itemNodes, PickleMachine.MAX_KEY_NODES + 1);
    }

    int height() {
        return height;
    }

    int keyNodes() {
        return keyNodes;
    }

    /** The set as a value; for a frozenset the same object every time (it is a hashable key). */
    PyValue toValue() {
        if (!frozen) {
            return new PyValue.PySet(new LinkedHashSet<>(items()), false);
        }
        if (frozenValue == null) {
            frozenValue = new PyValue.PySet(new LinkedHashSet<>(items()), true);
        }
        return frozenValue;
    }

    @Override
    public String toString() {
        return (frozen ? "frozenset[" : "set[") + items.size() + "]";
    }
}
