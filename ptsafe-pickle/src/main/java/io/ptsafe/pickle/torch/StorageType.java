package io.ptsafe.pickle.torch;

import io.ptsafe.DType;
import io.ptsafe.pickle.machine.Meaning;

/**
 * The meaning of a storage class global: data only, read by persistent ids. {@code dtype} is null
 * for {@code torch.storage.UntypedStorage} (numel counts bytes, the dtype comes from
 * {@code _rebuild_tensor_v3}) and for {@code torch.storage.TypedStorage} (which names no dtype and so
 * cannot appear in a persistent id).
 */
record StorageType(String global, DType dtype, boolean untyped) implements Meaning {
}
