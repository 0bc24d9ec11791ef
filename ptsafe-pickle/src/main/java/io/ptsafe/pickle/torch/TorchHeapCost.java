package io.ptsafe.pickle.torch;

import io.ptsafe.pickle.machine.HeapCost;
import java.util.function.ToLongFunction;

/**
 * The heap of the values torch's meanings and persistent ids make, for the machine's
 * {@link io.ptsafe.pickle.machine.DecodeBudget} (see {@link HeapCost} for the assumptions).
 */
public final class TorchHeapCost {
    /** A TensorNode's header and fields. */
    private static final long TENSOR_NODE = 48;
    /** A StorageRef's header and fields. */
    private static final long STORAGE_REF = 40;
    /** An entry of a LinkedHashMap with its share of the table. */
    private static final long MAP_ENTRY = 56;

    private TorchHeapCost() {
    }

    /** The estimate for a zip checkpoint's values ({@code legacy} false) or a legacy stream's. */
    public static ToLongFunction<Object> of(boolean legacy) {
        return v -> switch (v) {
            case TensorNode n -> TENSOR_NODE + 2 * HeapCost.longs(n.shape().length)
                    // The quantizer record; a per-channel one's scale and zero-point nodes are values of
                    // their own, charged when their rebuild made them.
                    + (n.quantization() == null ? 0 : 32);
            // The ref and its entry in StorageIds (its key may be a new string, decoded from bytes); a
            // legacy stream also lists it as a root and in all storages, and a view adds the root's
            // own ref, the view's ref, View and ViewOf, and its two entries.
            case StorageRef r -> STORAGE_REF + MAP_ENTRY + HeapCost.string(r.key())
                    + (legacy ? 2 * MAP_ENTRY : 0)
                    + (r.view() == null ? 0 : 2 * STORAGE_REF + 32 + 24 + 2 * MAP_ENTRY);
            default -> 128;
        };
    }
}
