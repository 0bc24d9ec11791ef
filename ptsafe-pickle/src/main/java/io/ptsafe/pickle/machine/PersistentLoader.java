package io.ptsafe.pickle.machine;

import io.ptsafe.PtsafeException;

/**
 * Turns a persistent id (PERSID, BINPERSID) into a value. torch uses persistent ids for storages;
 * anything else is refused with {@link io.ptsafe.Reason#INVALID_PERSISTENT_ID} by the loader. Without
 * a loader every persistent id is refused.
 */
@FunctionalInterface
public interface PersistentLoader {

    /**
     * @param pid  the id: a machine value (a {@link TupleObj} for torch, a {@code PyValue.Str} for PERSID)
     * @param call where the id was met, for errors ({@link Call#global()} is null)
     */
    Object load(Object pid, Call call) throws PtsafeException;
}
