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
    private Object state;

    public OpaqueObj(String global, TupleObj args) {
        this.global = global;
        this.args = args;
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
        this.state = state;
        return this;
    }

    @Override
    public String toString() {
        return global + args.items();
    }
}
