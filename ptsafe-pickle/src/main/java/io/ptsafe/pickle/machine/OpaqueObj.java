package io.ptsafe.pickle.machine;

import io.ptsafe.PtsafeException;

/**
 * An instance of a global the caller declared inert ({@link io.ptsafe.LoadOptions#inertGlobals()}):
 * the name, the arguments it would have been called with and the state BUILD would have set,
 * kept as data and converted to {@link io.ptsafe.PyValue.Opaque}.
 */
public final class OpaqueObj implements Buildable {
    private final String global;
    private final TupleObj args;
    /** A TorchScript object: BUILD once, with a dict of attributes ({@link #scriptObject}). */
    private final boolean script;
    private Object state;

    public OpaqueObj(String global, TupleObj args) {
        this(global, args, false);
    }

    private OpaqueObj(String global, TupleObj args, boolean script) {
        this.global = global;
        this.args = args;
        this.script = script;
    }

    /**
     * An object of a TorchScript class ({@code __torch__.*}) as torch's TorchScript unpickler makes
     * it: created by BUILD from a dict of its attributes, so a second BUILD, or a state that is no
     * dict, is refused (the JIT's obj_loader takes {@code toGenericDict()} once).
     */
    public static OpaqueObj scriptObject(String global) {
        return new OpaqueObj(global, TupleObj.EMPTY, true);
    }

    public String global() {
        return global;
    }

    public TupleObj args() {
        return args;
    }

    /** What BUILD set, or null. */
    public Object state() {
        return state;
    }

    @Override
    public Object build(Object state, Call call) throws PtsafeException {
        if (script && this.state != null) {
            throw call.malformed("a second BUILD on a " + global + " object (torch's TorchScript unpickler builds an "
                    + "object once)");
        }
        if (script && !(state instanceof DictObj)) {
            throw call.malformed("the state of a " + global + " object is a " + Values.typeName(state)
                    + "; a TorchScript object's state is the dict of its attributes");
        }
        this.state = state;
        return this;
    }

    @Override
    public String toString() {
        return global + args.items();
    }
}
