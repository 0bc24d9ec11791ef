package io.ptsafe.pickle.machine;

/**
 * Watches the machine run: every opcode and every global as they are met. For scanners; a
 * listener must not throw. Both methods do nothing by default.
 */
public interface PickleListener {

    /**
     * A pickle about to be decoded: the offsets of the calls that follow are relative to it (one
     * listener may watch the several pickles of a legacy stream).
     */
    default void start(PickleInput input) {
    }

    /** An opcode about to run, at its byte offset in the pickle. */
    default void opcode(Opcode op, long offset) {
    }

    /** A global named by the pickle, known or not. */
    default void global(GlobalUse use) {
    }

    /**
     * In a scan ({@link PickleMachine.Builder#scan()}), something that would run code and that
     * loading refuses at once (FORBIDDEN_OPCODE, FORBIDDEN_CALL), at the byte offset of its opcode;
     * the machine goes on with a poison value in its place.
     */
    default void refused(Opcode op, long offset, io.ptsafe.PtsafeException refusal) {
    }

    /** A listener that does nothing. */
    PickleListener NONE = new PickleListener() {
    };
}
