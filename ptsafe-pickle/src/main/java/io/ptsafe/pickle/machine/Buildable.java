package io.ptsafe.pickle.machine;

import io.ptsafe.PtsafeException;

/**
 * A machine value that BUILD may set state on; BUILD on anything else is refused. Public for the
 * meanings of other packages whose values take BUILD (numpy's arrays and dtypes).
 */
public interface Buildable {

    /**
     * Applies BUILD's state and returns what replaces the instance on the stack (usually itself).
     * Refuse with {@link Call#forbidden(String)} or {@link Call#malformed(String)}.
     */
    Object build(Object state, Call call) throws PtsafeException;
}
