package io.ptsafe.safetensors;

import io.ptsafe.PtsafeException;
import io.ptsafe.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Finds tensors that share storage and decides which names are written, following the reference
 * ({@code _find_shared_tensors}, {@code _filter_shared_not_shared} and {@code _remove_duplicate_names}
 * in huggingface/safetensors {@code bindings/python/py_src/safetensors/torch.py}):
 *
 * <ol>
 *   <li>tensors are grouped by storage (the same mapped segment: address and size); empty storages
 *       are never shared;</li>
 *   <li>within a storage, tensors are sorted by (start, end, name) of the bytes they view and split
 *       into clusters of overlapping views, comparing each start with the end of the previous view
 *       only, as the reference does;</li>
 *   <li>in a cluster, the tensors covering the whole storage (first byte to last) are the
 *       candidates; the kept name is the smallest candidate (by code point, as Python sorts),
 *       preferring candidates not in {@code discardNames}, and above all those in
 *       {@code preferredNames}.</li>
 * </ol>
 *
 * <p>The reference then removes every other name of the cluster, and refuses a cluster that has no
 * candidate. ptsafe removes only the names that are the very same view as the kept one (same dtype,
 * shape, strides, offset and byte order, so the bytes are identical), recording each as an alias
 * (removed name to kept name); every other tensor (a partial view, a reshape, a cluster with no
 * whole-storage tensor) is written as its own contiguous copy, so no name and no byte is lost.
 */
final class SharedStorages {
    private SharedStorages() {
    }

    private record View(String name, Tensor tensor, long start, long end) {
    }

    private record StorageKey(long address, long size) {
    }

    /**
     * The names not to write, each mapped to the kept name whose bytes it shares: by storage in file
     * order, then by removed name. Every other name is written.
     */
    static Map<String, String> aliases(Map<String, Tensor> tensors, Set<String> preferredNames,
            Set<String> discardNames) throws PtsafeException {
        Map<StorageKey, List<View>> byStorage = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            Tensor t = e.getValue();
            MemorySegment s = t.storage();
            if (s.byteSize() == 0) {
                continue;
            }
            long start = s.address() + t.storageOffset() * t.dtype().byteSize();
            byStorage.computeIfAbsent(new StorageKey(s.address(), s.byteSize()), k -> new ArrayList<>())
                    .add(new View(e.getKey(), t, start, start + extent(t)));
        }
        Map<String, String> aliases = new LinkedHashMap<>();
        for (Map.Entry<StorageKey, List<View>> group : byStorage.entrySet()) {
            if (group.getValue().size() < 2) {
                continue;
            }
            for (List<View> cluster : clusters(group.getValue())) {
                resolveCluster(cluster, group.getKey(), preferredNames, discardNames, aliases);
            }
        }
        return aliases;
    }

    private static List<List<View>> clusters(List<View> views) {
        List<View> sorted = new ArrayList<>(views);
        sorted.sort(Comparator.comparingLong(View::start).thenComparingLong(View::end)
                .thenComparing(View::name, SharedStorages::compareCodePoints));
        List<List<View>> clusters = new ArrayList<>();
        long lastStop = Long.MIN_VALUE;
        for (View v : sorted) {
            if (clusters.isEmpty() || v.start() >= lastStop) {
                clusters.add(new ArrayList<>());
            }
            clusters.getLast().add(v);
            lastStop = v.end(); // the reference's rule: the previous view's end, not the cluster's
        }
        return clusters;
    }

    private static void resolveCluster(List<View> cluster, StorageKey storage, Set<String> preferredNames,
            Set<String> discardNames, Map<String, String> aliases) {
        if (cluster.size() < 2) {
            return;
        }
        TreeMap<String, View> complete = new TreeMap<>(SharedStorages::compareCodePoints);
        for (View v : cluster) {
            if (v.tensor().storageOffset() == 0 && v.tensor().byteSize() == storage.size()) {
                complete.put(v.name(), v);
            }
        }
        if (complete.isEmpty()) {
            return; // the reference refuses; ptsafe writes each view as its own copy
        }
        String keep = complete.firstKey();
        String notDiscarded = first(complete.keySet(), n -> !discardNames.contains(n));
        if (notDiscarded != null) {
            keep = notDiscarded;
        }
        String preferred = first(complete.keySet(), preferredNames::contains);
        if (preferred != null) {
            keep = preferred;
        }
        Tensor kept = complete.get(keep).tensor();
        List<View> byName = new ArrayList<>(cluster);
        byName.sort(Comparator.comparing(View::name, SharedStorages::compareCodePoints));
        for (View v : byName) {
            if (!v.name().equals(keep) && sameView(v.tensor(), kept)) {
                aliases.put(v.name(), keep);
            }
        }
    }

    private static String first(Set<String> sorted, java.util.function.Predicate<String> p) {
        for (String s : sorted) {
            if (p.test(s)) {
                return s;
            }
        }
        return null;
    }

    static boolean sameView(Tensor a, Tensor b) {
        return a.dtype() == b.dtype() && Arrays.equals(a.shape(), b.shape()) && Arrays.equals(a.strides(), b.strides())
                && a.storageOffset() == b.storageOffset() && a.storageByteOrder().equals(b.storageByteOrder());
    }

    /** Bytes from the first element viewed to the end of the last. */
    private static long extent(Tensor t) {
        if (t.numel() == 0) {
            return 0;
        }
        if (t.dtype().isSubByte()) {
            return t.byteSize();
        }
        long[] shape = t.shape();
        long[] strides = t.strides();
        long last = 0;
        for (int i = 0; i < shape.length; i++) {
            last += (shape[i] - 1) * strides[i]; // bounded by the storage: Tensor.Builder checked it
        }
        return (last + 1) * t.dtype().byteSize();
    }

    /** Python's str order: by code point. */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
