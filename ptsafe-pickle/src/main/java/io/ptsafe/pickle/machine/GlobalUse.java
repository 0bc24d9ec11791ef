package io.ptsafe.pickle.machine;

/**
 * One global a pickle names (GLOBAL, STACK_GLOBAL or INST), where, and what the table made of it.
 *
 * @param module   the module as written in the pickle
 * @param name     the qualified name as written in the pickle
 * @param resolved {@code module.name} after Python's protocol-2 renames ({@code __builtin__} is
 *                 {@code builtins}) and torch's ({@code torch.tensor} is {@code torch._tensor}): the
 *                 name looked up in the table
 * @param offset   byte offset of the opcode in the pickle
 * @param opcode   the opcode that named it
 * @param status   whether the table knows it
 */
public record GlobalUse(String module, String name, String resolved, long offset, Opcode opcode, Status status) {

    /** What the table made of a global. */
    public enum Status {
        /** In the table of meanings. */
        KNOWN,
        /** Declared inert by {@link io.ptsafe.LoadOptions#inertGlobals()}: kept as data. */
        INERT,
        /** Neither: the pickle is refused. */
        FORBIDDEN
    }

    @Override
    public String toString() {
        return resolved + " at byte " + offset + " (" + opcode + ", " + status + ")";
    }
}
