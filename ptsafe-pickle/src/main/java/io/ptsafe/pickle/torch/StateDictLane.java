package io.ptsafe.pickle.torch;

/**
 * The fast lane for the one pickle nearly every checkpoint is: a state dict, a dict (or
 * OrderedDict) of str keys to tensors as {@code torch.save} writes it. It reads the bytes against
 * that exact grammar and builds the tensors directly, without the machine's values, the tree
 * converter or the naming walk; it declines (returns null) at the first byte that is not that
 * grammar, or at any value near a limit, and the reader then decodes the same bytes with the
 * general machine, which gives every refusal and every other meaning. So the lane changes speed
 * only: a file it takes opens to the same tensors, names and tree the machine makes of it.
 */
public final class StateDictLane {
    /**
     * Bound to {@code false} around an open: the lane declines every pickle (tests compare the two
     * paths). Unbound: the lane is used.
     */
    static final ScopedValue<Boolean> ENABLED = ScopedValue.newInstance();
    /** When bound around an open: {@code [0]} counts the pickles the lane took. */
    static final ScopedValue<int[]> TAKEN = ScopedValue.newInstance();

    private StateDictLane() {
    }

    /** Whether the lane may run on this thread (not switched off by a test). */
    static boolean enabled() {
        return !ENABLED.isBound() || ENABLED.get();
    }

    /** Counts one pickle the lane took, for a test watching. */
    static void took() {
        if (TAKEN.isBound()) {
            TAKEN.get()[0]++;
        }
    }
}
