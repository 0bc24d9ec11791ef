package io.ptsafe.pickle.machine;

/**
 * Watches the machine run: every opcode and every global as they are met. For scanners; a
 * listener must not throw. Both methods do nothing by default.
 */
public interface PickleListener {

    /** An opcode about to run, at its byte offset in the pickle. */
    default void opcode(Opcode op, long offset) {
    }

    /** A global named by the pickle, known or not. */
    default void global(GlobalUse use) {
    }

    /** A listener that does nothing. */
    PickleListener NONE = new PickleListener() {
    };
}
