package io.ptsafe.pickle.torch;

import io.ptsafe.DType;

/**
 * A storage a persistent id names: {@code ('storage', storage_type, key, location, numel)}, plus
 * the legacy format's view metadata. The bytes are found by key ({@link StorageSource}); the same key
 * always gives the same {@code StorageRef}, so views and tied weights share one storage.
 *
 * @param key          the record key ({@code data/<key>} in a zip)
 * @param storageClass the storage class global, e.g. {@code torch.FloatStorage}
 * @param dtype        the element type, or null for an untyped (byte) storage
 * @param location     where torch saved it from ("cpu", "cuda:0"): recorded, never acted on
 * @param numel        elements of {@code dtype} (bytes when untyped)
 * @param view         legacy view metadata, or null
 */
public record StorageRef(String key, String storageClass, DType dtype, String location, long numel, View view) {

    /** Legacy view metadata: {@code (view_key, offset, size)} in elements of the root storage. */
    public record View(String key, long offset, long size) {
    }

    /** Element type of the record: {@link #dtype()}, or U8 for an untyped storage. */
    public DType elementType() {
        return dtype == null ? DType.U8 : dtype;
    }

    /** Bytes the record must hold: numel times the element size; -1 if that overflows. */
    public long byteSize() {
        try {
            return Math.multiplyExact(numel, (long) elementType().byteSize());
        } catch (ArithmeticException e) {
            return -1;
        }
    }
}
