package io.ptsafe.pickle.machine;

import java.util.Arrays;

/**
 * The machine's memo: values by index, null where unset (indices are small and dense in real
 * pickles). Only data: the machine checks indices against the limits and charges the budget.
 */
final class Memo {
    private Object[] slots = new Object[0];
    private int size;

    /** {@return the value at {@code index}, or null when it was never set} */
    Object get(long index) {
        return index >= 0 && index < slots.length ? slots[(int) index] : null;
    }

    /** Entries set. */
    int size() {
        return size;
    }

    /** Slots allocated. */
    int capacity() {
        return slots.length;
    }

    /** Whether {@code index} (below {@link #capacity()}) holds no value yet. */
    boolean isFree(long index) {
        return slots[(int) index] == null;
    }

    /** Sets {@code index}, below {@link #capacity()}. */
    void set(long index, Object v) {
        if (slots[(int) index] == null) {
            size++;
        }
        slots[(int) index] = v;
    }

    void grow(int length) {
        slots = Arrays.copyOf(slots, length);
    }
}
