package io.ptsafe.pickle.torch;

import io.ptsafe.PtsafeException;
import java.lang.foreign.MemorySegment;

/**
 * Where a container keeps its storages: the zip's {@code data/<key>} records, or the legacy
 * stream's storage blocks. Resolves a storage to exactly its bytes, refusing a missing record
 * ({@link io.ptsafe.Reason#MISSING_RECORD}) and a record whose size is not {@link StorageRef#byteSize()}
 * ({@link io.ptsafe.Reason#RECORD_SIZE_MISMATCH}).
 */
@FunctionalInterface
public interface StorageSource {

    /** The storage's bytes: a segment of exactly {@code ref.byteSize()} bytes, alive as long as the file. */
    MemorySegment resolve(StorageRef ref) throws PtsafeException;

    /**
     * {@link #resolve(StorageRef)} of the storage at {@code position} among those the pickle named, in
     * the order first named ({@link StateDictLane.Dict#storages()}): a source that keeps its storages
     * in that order finds it without a lookup by key.
     *
     * @param ref      the storage
     * @param position its place in the order first named
     * @return the storage's bytes
     * @throws PtsafeException as {@link #resolve(StorageRef)}
     */
    default MemorySegment resolve(StorageRef ref, int position) throws PtsafeException {
        return resolve(ref);
    }
}
