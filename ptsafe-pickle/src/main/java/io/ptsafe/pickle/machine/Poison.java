package io.ptsafe.pickle.machine;

/**
 * What a forbidden global, and everything computed from one, becomes on the stack: the machine
 * goes on decoding so that its final refusal can list every forbidden name, and nothing made from a
 * poison value ever leaves the machine.
 */
final class Poison {
    private final String origin;

    Poison(String origin) {
        this.origin = origin;
    }

    /** The forbidden global this value comes from. */
    public String origin() {
        return origin;
    }

    @Override
    public String toString() {
        return "<forbidden " + origin + ">";
    }
}
