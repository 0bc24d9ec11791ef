package io.ptsafe.pickle.machine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The machine's stack: values, and the MARKs as positions into them (as C {@code _pickle} keeps
 * {@code marks} beside its {@code Pdata}). Only data: the machine checks limits and charges the budget.
 */
final class Stack {
    private final ArrayList<Object> values = new ArrayList<>();
    private int[] marks = new int[16];
    private int markCount;
    /** The most values held at once: the list's array keeps that size. */
    private int peak;

    int size() {
        return values.size();
    }

    int markCount() {
        return markCount;
    }

    /** Whether no value lies above the last MARK (or the bottom): a pop would underflow. */
    boolean emptySinceMark() {
        return values.size() <= (markCount == 0 ? 0 : marks[markCount - 1]);
    }

    /** Whether the next value takes a slot never used before. */
    boolean atPeak() {
        return values.size() == peak;
    }

    void add(Object v) {
        values.add(v);
        peak = Math.max(peak, values.size());
    }

    Object removeLast() {
        return values.removeLast();
    }

    Object last() {
        return values.getLast();
    }

    void setLast(Object v) {
        values.set(values.size() - 1, v);
    }

    Object first() {
        return values.getFirst();
    }

    void pushMark() {
        if (markCount == marks.length) {
            marks = Arrays.copyOf(marks, marks.length * 2);
        }
        marks[markCount++] = values.size();
    }

    /** Drops the last MARK, which has no value above it (POP of an empty MARK level). */
    void dropMark() {
        markCount--;
    }

    /** The values since the last MARK, as one fixed-size copy, and the MARK; the caller checks there is one. */
    List<Object> popMark() {
        int base = marks[--markCount];
        List<Object> tail = values.subList(base, values.size());
        // One copy, fixed size; callers only read it (TUPLE keeps it as the tuple's items).
        List<Object> items = Arrays.asList(tail.toArray());
        tail.clear();
        return items;
    }
}
