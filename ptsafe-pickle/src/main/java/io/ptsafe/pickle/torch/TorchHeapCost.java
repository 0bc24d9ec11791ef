package io.ptsafe.pickle.torch;

import io.ptsafe.pickle.machine.HeapCost;
import java.util.function.Predicate;
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
    /**
     * A legacy root's place in {@code LegacyStorageIds}: its slot in {@code KeySlots} (a decimal key's
     * cells, 12 bytes each in tables at most half full, up to 72 while a table grows; another key's
     * HashMap node, Integer and table share, about 56) and in the list of roots (8).
     */
    private static final long LEGACY_ROOT = 80;

    private TorchHeapCost() {
    }

    /**
     * The estimate for a zip checkpoint's values ({@code legacy} false) or a legacy stream's; one per
     * pickle (it remembers the last storage location it counted).
     */
    public static ToLongFunction<Object> of(boolean legacy) {
        String[] lastLocation = new String[1];
        // A legacy stream's refs counted so far, and whether a view was met (see legacy()).
        long[] roots = new long[1];
        boolean[] viewMet = new boolean[1];
        // Tests of types rather than a pattern switch: once per value a call makes, on the open path.
        return v -> {
            if (v instanceof TensorNode n) {
                return node(n);
            }
            // The ref and its entry in StorageIds (a legacy stream's keep none, its roots are in
            // LegacyStorageIds: charged all the same, an upper bound), and the strings it keeps of
            // its persistent id (which die with the id otherwise, see keepsNoArguments): its key, and
            // its location unless it is the very string the last ref kept (torch memoizes 'cpu'). A
            // legacy stream also lists it as a root (and, once a view is met, in all storages), and a
            // view adds the root's own ref, the view's ref, View and ViewOf, its two entries and its key.
            if (v instanceof StorageRef r) {
                return STORAGE_REF + MAP_ENTRY + HeapCost.string(r.key())
                        + location(r.location(), lastLocation)
                        + (legacy ? legacy(r, roots, viewMet) : 0)
                        + (r.view() == null ? 0
                                : 2 * STORAGE_REF + 32 + 24 + 2 * MAP_ENTRY + HeapCost.string(r.view().key()));
            }
            return 128;
        };
    }

    /** What a {@link TensorNode} was charged when its rebuild made it (what dies with it, its storage aside). */
    static long node(TensorNode n) {
        return TENSOR_NODE + 2 * HeapCost.longs(n.shape().length)
                // The quantizer record; a per-channel one's scale and zero-point nodes are values of
                // their own, charged when their rebuild made them.
                + (n.quantization() == null ? 0 : 32);
    }

    /**
     * A legacy ref's root in {@code LegacyStorageIds}: {@link #LEGACY_ROOT}, and its entry in the map of
     * all storages, which exists from the first view on: that view's ref is also charged an entry for
     * every ref counted before it (each ref counts, so a root named twice is counted twice).
     */
    private static long legacy(StorageRef r, long[] roots, boolean[] viewMet) {
        long cost = LEGACY_ROOT;
        if (r.view() != null && !viewMet[0]) {
            viewMet[0] = true;
            cost += MAP_ENTRY * roots[0];
        }
        roots[0]++;
        return viewMet[0] ? cost + MAP_ENTRY : cost;
    }

    private static long location(String location, String[] last) {
        if (location == last[0]) {
            return 0;
        }
        last[0] = location;
        return HeapCost.string(location);
    }

    /**
     * The values that keep nothing of the arguments they were made from but what their estimate
     * counts, so that a rebuilt tensor's argument tuples (its storage id, sizes, strides, hooks) are
     * given back to the budget once it is made: a {@link StorageRef} keeps strings of its id (counted
     * above); a {@link TensorNode} its storage (a persistent id's, never given back), copies of its
     * sizes and strides, and a per-tensor quantizer's numbers. A per-channel quantizer keeps its scale
     * and zero-point tensors, which are arguments: those nodes keep them.
     */
    public static Predicate<Object> keepsNoArguments() {
        return v -> v instanceof StorageRef
                || v instanceof TensorNode n && !(n.quantization() instanceof TensorNode.Quantization.PerChannel);
    }
}
