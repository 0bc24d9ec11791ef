package io.ptsafe.pickle.machine;

import io.ptsafe.Limit;
import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import java.nio.file.Path;

/**
 * The running estimate of the heap one file's decoded values take, against
 * {@link LoadOptions#maxDecodedBytes()}. One instance per file: the pickle machine charges what it
 * creates ({@link HeapCost}), then {@link TreeConverter} the converted tree, then the tensor tree
 * its tensors; the pickles of a legacy stream share one. What is charged is given back
 * ({@link #release}) only when it is provably unreachable: working structures once let go of, a
 * tuple a call consumed (see the machine), a dict's entries and a leaf met once when the converter
 * has passed them (see {@link TreeConverter}), a legacy stream's storage key list once read.
 */
public final class DecodeBudget {
    private final long limit;
    private long used;
    private long peak;

    /** An empty budget of {@code options.maxDecodedBytes()}. */
    public DecodeBudget(LoadOptions options) {
        this.limit = options.maxDecodedBytes();
    }

    /** Estimated bytes charged so far. */
    public long used() {
        return used;
    }

    public long limit() {
        return limit;
    }

    /** The most {@link #used()} has been. */
    public long peak() {
        return peak;
    }

    /** Adds {@code bytes} (saturating); false once the total is over the limit: then throw {@link #exceeded}. */
    public boolean add(long bytes) {
        used = bytes > Long.MAX_VALUE - used ? Long.MAX_VALUE : used + bytes;
        peak = Math.max(peak, used);
        return used <= limit;
    }

    /** Gives back {@code bytes} charged for a working structure that is no longer referenced. */
    public void release(long bytes) {
        used = Math.max(0, used - bytes);
    }

    /** Whether {@code bytes} more would still be within the limit, without charging them. */
    boolean fits(long bytes) {
        return bytes <= limit - used;
    }

    /** The refusal for a total over the limit (or for {@code extra} bytes that would put it over). */
    LimitExceededException exceeded(Path file, String place, long extra) {
        long value = extra > Long.MAX_VALUE - used ? Long.MAX_VALUE : used + extra;
        return Limit.MAX_DECODED_BYTES.exceeded(file, place + ": decoded values, in estimated heap bytes", value,
                limit);
    }

    /**
     * The refusal for a total over the limit.
     *
     * @param place where in the file the last charge was made ("archive/data.pkl, byte 12, SETITEMS")
     */
    public LimitExceededException exceeded(Path file, String place) {
        return exceeded(file, place, 0);
    }
}
