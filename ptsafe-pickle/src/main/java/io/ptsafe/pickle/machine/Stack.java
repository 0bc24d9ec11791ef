package io.ptsafe.pickle.machine;

import java.util.Arrays;
import java.util.List;

/**
 * The machine's stack: values, and the MARKs as positions into them (as C {@code _pickle} keeps
 * {@code marks} beside its {@code Pdata}). Only data: the machine checks limits and charges the budget.
 * A plain array, not a list: every opcode pushes or pops, and the array grows as an ArrayList would
 * (the machine charges each slot the first time it is used, {@link #add}).
 */
final class Stack {
    private Object[] values = new Object[32];
    private int size;
    private int[] marks = new int[16];
    private int markCount;
    /** Where the last MARK stands (0 with none): kept, not looked up, as every pop checks it. */
    private int floor;
    /** The most values held at once. */
    private int peak;

    int size() {
        return size;
    }

    int markCount() {
        return markCount;
    }

    /** Whether no value lies above the last MARK (or the bottom): a pop would underflow. */
    boolean emptySinceMark() {
        return size <= floor;
    }

    /** Adds {@code v}; returns whether it took a slot never used before. */
    boolean add(Object v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size + (size >> 1));
        }
        values[size++] = v;
        if (size > peak) {
            peak = size;
            return true;
        }
        return false;
    }

    /** The top value, removed; the caller checks there is one. */
    Object removeLast() {
        Object v = values[--size];
        values[size] = null;
        return v;
    }

    Object last() {
        return values[size - 1];
    }

    void setLast(Object v) {
        values[size - 1] = v;
    }

    Object first() {
        return values[0];
    }

    void pushMark() {
        if (markCount == marks.length) {
            marks = Arrays.copyOf(marks, marks.length * 2);
        }
        marks[markCount++] = size;
        floor = size;
    }

    /** Drops the last MARK, which has no value above it (POP of an empty MARK level). */
    void dropMark() {
        markCount--;
        floor = markCount == 0 ? 0 : marks[markCount - 1];
    }

    /** The values since the last MARK, as one fixed-size copy, and the MARK; the caller checks there is one. */
    List<Object> popMark() {
        // One copy, fixed size; callers only read it.
        return Arrays.asList(popMarkArray());
    }

    /** {@link #popMark} as the array copy itself (TUPLE keeps it as the tuple's items). */
    Object[] popMarkArray() {
        int base = marks[--markCount];
        floor = markCount == 0 ? 0 : marks[markCount - 1];
        int n = size - base;
        Object[] items = new Object[n];
        // Loops, not copyOfRange and fill: a MARK holds a few values (a rebuild's arguments).
        for (int i = 0; i < n; i++) {
            items[i] = values[base + i];
            values[base + i] = null;
        }
        size = base;
        return items;
    }
}
