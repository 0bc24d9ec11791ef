package io.ptsafe.pickle.machine;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.nio.file.Path;
import java.util.List;

/**
 * One call of a {@link Meaning} (or a {@link PersistentLoader}, or BUILD): the global, its
 * arguments, and where in the pickle it happens, so a refusal can name the file, record and offset.
 */
public final class Call {
    private final PickleMachine machine;
    private final Opcode opcode;
    private final long offset;
    private final String global;
    private final TupleObj args;
    private final DictObj kwargs;

    Call(PickleMachine machine, Opcode opcode, long offset, String global, TupleObj args, DictObj kwargs) {
        this.machine = machine;
        this.opcode = opcode;
        this.offset = offset;
        this.global = global;
        this.args = args;
        this.kwargs = kwargs;
    }

    /** The global called ({@code module.qualname}), or null for BUILD and persistent ids. */
    public String global() {
        return global;
    }

    /** The positional arguments (machine values). */
    public List<Object> args() {
        return args.items();
    }

    /** The positional arguments as the tuple the pickle built. */
    public TupleObj argsTuple() {
        return args;
    }

    /** Keyword arguments of NEWOBJ_EX, or null. */
    public DictObj kwargs() {
        return kwargs;
    }

    public Opcode opcode() {
        return opcode;
    }

    /** Byte offset of the opcode in the pickle. */
    public long offset() {
        return offset;
    }

    public LoadOptions options() {
        return machine.options();
    }

    /** The file being read, or null. */
    public Path file() {
        return machine.input().file();
    }

    /** "archive/data.pkl, byte 12 (file offset 76)": the place, for messages. */
    public String place() {
        return machine.input().place(offset);
    }

    /**
     * Calls another global from the table with {@code args}, as REDUCE would: for meanings that
     * take a function as an argument (torch's {@code _rebuild_from_type_v2}).
     */
    public Object callGlobal(GlobalRef function, List<Object> args) throws PtsafeException {
        return machine.reduce(function, machine.tuple(args, offset), offset);
    }

    /** A tuple of machine values, checked like one the pickle builds. */
    public TupleObj tuple(List<Object> items) throws PtsafeException {
        return machine.tuple(items, offset);
    }

    /**
     * Counts one more tensor made by the pickle this call is part of, and returns the count so far:
     * the count belongs to the run of the machine, so that a table of meanings holds no state and
     * can be shared ({@code LoadOptions.maxTensors()} is checked by the caller).
     */
    public long countTensor() {
        return machine.countTensor();
    }

    PickleMachine machine() {
        return machine;
    }

    /** A refusal for this call with {@code reason}; the message gets the place and the global. */
    public PtsafeException fail(Reason reason, String message) {
        return machine.error(reason, offset, opcode, (global == null ? "" : global + ": ") + message);
    }

    /** {@link Reason#FORBIDDEN_CALL}: the table gives the global no such behaviour. */
    public PtsafeException forbidden(String what) {
        return machine.error(Reason.FORBIDDEN_CALL, offset, opcode, what + " is not allowed");
    }

    /** {@link Reason#MALFORMED_PICKLE}. */
    public PtsafeException malformed(String message) {
        return fail(Reason.MALFORMED_PICKLE, message);
    }
}
