package io.ptsafe;

/**
 * A range of indices along one dimension, for {@link Tensor#slice(Slice...)}: Python's
 * {@code start:end:step} with non-negative indices. {@code t[1:3, :, 0:2]} in torch is
 * {@code t.slice(Slice.range(1, 3), Slice.all(), Slice.range(0, 2))}.
 *
 * <p>Unlike Python, a negative index is an error (it does not count from the end), and so is a
 * step below 1; {@link Tensor#slice(Slice...)} refuses an end past the dimension instead of clamping it.
 *
 * @param start the first index, inclusive
 * @param end the last index, exclusive; {@link Long#MAX_VALUE} for the end of the dimension
 * @param step the distance between indices, at least 1
 */
public record Slice(long start, long end, long step) {
    private static final Slice ALL = new Slice(0, Long.MAX_VALUE, 1);

    /**
     * Checks the range.
     *
     * @throws IllegalArgumentException if {@code start} is negative, {@code end < start} or {@code step < 1}
     */
    public Slice {
        if (start < 0 || end < start || step < 1) {
            throw new IllegalArgumentException("invalid slice " + text(start, end, step)
                    + ": indices must be non-negative with start <= end, and the step at least 1");
        }
    }

    /** {@return the whole dimension, Python's {@code :}} */
    public static Slice all() {
        return ALL;
    }

    /**
     * {@return indices {@code [start, end)}, Python's {@code start:end}}
     *
     * @param start the first index, inclusive
     * @param end the last index, exclusive
     * @throws IllegalArgumentException if {@code start} is negative or {@code end < start}
     */
    public static Slice range(long start, long end) {
        return new Slice(start, end, 1);
    }

    /**
     * {@return every {@code step}-th index of {@code [start, end)}, Python's {@code start:end:step}}
     *
     * @param start the first index, inclusive
     * @param end the last index, exclusive
     * @param step the distance between indices, at least 1
     * @throws IllegalArgumentException if {@code start} is negative, {@code end < start} or {@code step < 1}
     */
    public static Slice range(long start, long end, long step) {
        return new Slice(start, end, step);
    }

    /** {@return the slice in Python's notation, such as {@code 1:3} or {@code :}} */
    @Override
    public String toString() {
        return text(start, end, step);
    }

    private static String text(long start, long end, long step) {
        return (start == 0 ? "" : Long.toString(start)) + ":" + (end == Long.MAX_VALUE ? "" : Long.toString(end))
                + (step == 1 ? "" : ":" + step);
    }
}
