package io.ptsafe.pickle.machine;

import java.util.Arrays;

/**
 * The machine's memo: which indices are set (one bit each), and the values of those a later GET
 * reads ({@link MemoReads}), null where unset (indices are small and dense in real pickles). A value
 * put at an index no GET reads is not kept: torch puts every value and reads back a few, and a memo
 * holding them all would keep every intermediate tuple of every tensor alive to the end. Only data:
 * the machine checks indices against the limits and charges the budget.
 */
final class Memo {
    private final MemoReads reads;
    private long[] set = new long[0];
    private Object[] slots = new Object[0];
    private int capacity;
    private int size;

    Memo(MemoReads reads) {
        this.reads = reads;
    }

    /** {@return the value at {@code index}, or null when it was never set (or is never read)} */
    Object get(long index) {
        return index >= 0 && index < slots.length ? slots[(int) index] : null;
    }

    /** Entries set. */
    int size() {
        return size;
    }

    /** Indices that can be set without {@link #grow}. */
    int capacity() {
        return capacity;
    }

    /** Whether {@code index} (below {@link #capacity()}) holds no value yet. */
    boolean isFree(long index) {
        return (set[(int) (index >>> 6)] & (1L << index)) == 0;
    }

    /** Whether the value put at {@code index} is kept: a later GET may read it. */
    boolean keeps(long index) {
        return reads.isRead(index);
    }

    /**
     * Sets {@code index}, below {@link #capacity()}; the caller has asked whether it is
     * {@link #isFree free} and {@link #keeps kept} (a kept index is below {@link #slots}' length:
     * read indices are at most {@link MemoReads#maxRead()}, and slots reach it or the capacity).
     */
    void set(long index, Object v, boolean free, boolean kept) {
        if (free) {
            size++;
            set[(int) (index >>> 6)] |= 1L << index;
        }
        if (kept) {
            slots[(int) index] = v;
        }
    }

    /** Grows to {@code length} indices. */
    void grow(int length) {
        set = Arrays.copyOf(set, (length + 63) >>> 6);
        slots = Arrays.copyOf(slots, slotsFor(length));
        capacity = length;
    }

    private int slotsFor(int length) {
        return (int) Math.min(length, (long) reads.maxRead() + 1);
    }

    /**
     * The heap of a memo of {@code length} indices, counted twice (the old arrays while they are
     * copied): its bits, and a reference slot for each index up to the largest one read.
     */
    long heapBytes(int length) {
        return 2 * (HeapCost.longs((length + 63L) >>> 6) + HeapCost.align(16 + 4L * slotsFor(length)));
    }
}
