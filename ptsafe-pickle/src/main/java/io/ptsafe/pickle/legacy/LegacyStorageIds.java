package io.ptsafe.pickle.legacy;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.pickle.machine.Call;
import io.ptsafe.pickle.machine.PersistentLoader;
import io.ptsafe.pickle.torch.StorageIds;
import io.ptsafe.pickle.torch.StorageRef;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The legacy format's persistent ids, {@code ('storage', storage_type, root_key, location, numel,
 * view_metadata)}, validated by {@link StorageIds} and then split into root storages and views.
 *
 * <p>{@code root_key} and {@code numel} name a root storage, whose bytes are in the stream's storage
 * section. Older torch versions (before 1.0) saved views into a storage with {@code view_metadata =
 * (view_key, offset, size)}, in elements of the root: torch then hands out a second storage, named
 * {@code view_key}, over elements {@code [offset, offset + size)} of the root. A view is given to the
 * tensor layer as a {@link StorageRef} of its own, keyed by {@code view_key}, so that its tensors
 * index from the view's first element. torch slices views with Python slicing, which silently
 * shortens a view that runs past the root; ptsafe refuses it ({@link Reason#VIEW_OUT_OF_BOUNDS}).
 * A key used both for a root and a view, or one view key with two meanings, is refused
 * ({@link Reason#STORAGE_CONFLICT}).
 */
final class LegacyStorageIds implements PersistentLoader {
    /** A view storage: its root and the ref handed to the tensor layer. */
    record ViewOf(String rootKey, StorageRef ref) {
    }

    private final StorageIds ids = new StorageIds(true);
    private final Map<String, StorageRef> roots = new LinkedHashMap<>();
    private final Map<String, ViewOf> views = new LinkedHashMap<>();
    private final Map<String, StorageRef> all = new LinkedHashMap<>();

    @Override
    public Object load(Object pid, Call call) throws PtsafeException {
        StorageRef ref = (StorageRef) ids.load(pid, call);
        String key = ref.key();
        StorageRef root = roots.get(key);
        if (root == null) {
            if (views.containsKey(key)) {
                throw conflict(call, "storage key '" + key + "' names a root storage here and a view of storage '"
                        + views.get(key).rootKey() + "' before");
            }
            root = ref.view() == null ? ref
                    : new StorageRef(key, ref.storageClass(), ref.dtype(), ref.location(), ref.numel(), null);
            roots.put(key, root);
            all.put(key, root);
        }
        StorageRef.View v = ref.view();
        if (v == null) {
            return root;
        }
        if (roots.containsKey(v.key())) {
            throw conflict(call, "view key '" + v.key() + "' (a view of storage '" + key
                    + "') is also the key of a root storage");
        }
        ViewOf seen = views.get(v.key());
        if (seen != null) {
            if (!seen.rootKey().equals(key) || !seen.ref().view().equals(v)) {
                throw conflict(call, "view '" + v.key() + "' is elements [" + v.offset() + ", +" + v.size()
                        + ") of storage '" + key + "' here and elements [" + seen.ref().view().offset() + ", +"
                        + seen.ref().view().size() + ") of storage '" + seen.rootKey() + "' before");
            }
            return seen.ref();
        }
        long end;
        try {
            end = Math.addExact(v.offset(), v.size());
        } catch (ArithmeticException e) {
            end = Long.MAX_VALUE;
        }
        if (end > root.numel()) {
            throw call.fail(Reason.VIEW_OUT_OF_BOUNDS, "view '" + v.key() + "' is elements [" + v.offset() + ", "
                    + v.offset() + " + " + v.size() + ") of storage '" + key + "', which has " + root.numel()
                    + " elements of " + root.elementType());
        }
        StorageRef viewRef = new StorageRef(v.key(), ref.storageClass(), ref.dtype(), ref.location(), v.size(), v);
        views.put(v.key(), new ViewOf(key, viewRef));
        all.put(v.key(), viewRef);
        return viewRef;
    }

    /** Root storages by key, in the order first named: the keys the storage section must hold. */
    Map<String, StorageRef> roots() {
        return Collections.unmodifiableMap(roots);
    }

    /** Views by view key. */
    Map<String, ViewOf> views() {
        return Collections.unmodifiableMap(views);
    }

    /** Every storage the tensor layer sees (roots and views), by key, in the order first named. */
    Map<String, StorageRef> all() {
        return Collections.unmodifiableMap(all);
    }

    private static PtsafeException conflict(Call call, String message) {
        return call.fail(Reason.STORAGE_CONFLICT, message);
    }
}
