package io.ptsafe.pickle.machine;

import io.ptsafe.PtsafeException;

/**
 * What a global from the table does when the pickle calls it: plain Java code that builds an inert
 * value from the arguments, never anything looked up by name. A meaning without a behaviour for an
 * operation refuses it ({@link io.ptsafe.Reason#FORBIDDEN_CALL}); a global that is only data (a
 * dtype, a storage class) has no behaviour at all.
 */
public interface Meaning {

    /** REDUCE: the global called with {@link Call#args()}. */
    default Object call(Call call) throws PtsafeException {
        throw call.forbidden("calling " + call.global());
    }

    /** NEWOBJ and NEWOBJ_EX: {@code cls.__new__(cls, *args, **kwargs)}. */
    default Object instantiate(Call call) throws PtsafeException {
        throw call.forbidden("instantiating " + call.global());
    }

    /** A meaning with no behaviour: the global can be named and passed around, never called. */
    static Meaning dataOnly() {
        return DataOnly.INSTANCE;
    }

    /** See {@link #dataOnly()}. */
    final class DataOnly implements Meaning {
        static final DataOnly INSTANCE = new DataOnly();

        private DataOnly() {
        }
    }
}
