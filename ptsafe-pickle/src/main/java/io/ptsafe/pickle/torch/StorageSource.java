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
}
