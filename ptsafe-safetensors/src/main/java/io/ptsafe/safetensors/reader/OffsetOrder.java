package io.ptsafe.safetensors.reader;

/**
 * {@link HeaderValidation}'s offset rule for {@link CanonicalHeader}, on primitive arrays and without a
 * message: with the tensors sorted by (begin, end), each must begin where the previous one ends, the
 * first at 0. The reference writes tensors in any order (its fixtures here list them out of offset
 * order), so this sorts when the header order is not already the sorted one.
 */
final class OffsetOrder {
    private OffsetOrder() {
    }

    /**
     * Where the last tensor ends when the tensors tile the byte buffer from 0 without a hole or an
     * overlap, or -1.
     *
     * @param begins data_offsets[0] of each tensor, in header order
     * @param ends   data_offsets[1], each at least its begin (the caller checked)
     * @param n      how many tensors there are (the arrays may be longer)
     */
    static long end(long[] begins, long[] ends, int n) {
        long start = 0;
        int i = 0;
        // The common case: header order is offset order. Contiguous pairs are sorted by (begin, end)
        // already (begins and ends both non-decreasing), so this is the sorted check.
        while (i < n && begins[i] == start) {
            start = ends[i++];
        }
        if (i == n) {
            return start;
        }
        int[] order = new int[n];
        for (int k = 0; k < n; k++) {
            order[k] = k;
        }
        sort(order, new int[n], 0, n, begins, ends);
        start = 0;
        for (int k : order) {
            if (begins[k] != start) {
                return -1;
            }
            start = ends[k];
        }
        return start;
    }

    /** A merge sort of {@code order[from, to)} by (begin, end); ties keep their order, as HeaderValidation's sort. */
    private static void sort(int[] order, int[] tmp, int from, int to, long[] begins, long[] ends) {
        if (to - from < 2) {
            return;
        }
        int mid = (from + to) >>> 1;
        sort(order, tmp, from, mid, begins, ends);
        sort(order, tmp, mid, to, begins, ends);
        System.arraycopy(order, from, tmp, from, to - from);
        int a = from;
        int b = mid;
        for (int k = from; k < to; k++) {
            if (b >= to || (a < mid && !less(tmp[b], tmp[a], begins, ends))) {
                order[k] = tmp[a++];
            } else {
                order[k] = tmp[b++];
            }
        }
    }

    private static boolean less(int x, int y, long[] begins, long[] ends) {
        return begins[x] < begins[y] || (begins[x] == begins[y] && ends[x] < ends[y]);
    }
}
