package io.ptsafe.pickle.legacy;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.pickle.machine.Call;
import io.ptsafe.pickle.machine.PersistentLoader;
import io.ptsafe.pickle.torch.StorageIds;
import io.ptsafe.pickle.torch.StorageRef;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
 *
 * <p>Each root gets a slot, its place in the order first named: the storage section keeps its bytes
 * in an array by slot ({@link StorageSection}), so binding a block or a tensor to its storage is one
 * lookup by key, not one per map. Views are rare (torch before 1.0): until the first one, the
 * storages the tensor layer sees are the roots themselves, and no second map is kept.
 */
final class LegacyStorageIds implements PersistentLoader {
    /** A view storage: its root and the ref handed to the tensor layer. */
    record ViewOf(String rootKey, StorageRef ref) {
    }

    /** Validates the ids; the roots are recorded here only ({@link #roots}), not in a second table. */
    private final StorageIds ids = new StorageIds(true);
    /** Each root's slot: its index in {@link #rootsInOrder}, the order first named. */
    private final KeySlots roots = new KeySlots();
    private final List<StorageRef> rootsInOrder = new ArrayList<>();
    private final Map<String, ViewOf> views = new LinkedHashMap<>();
    /** Roots and views in the order first named; null while there is no view (then it is the roots). */
    private Map<String, StorageRef> all;
    /** The slot {@link #slot(String)} tries first. */
    private int nextResolved;

    @Override
    public Object load(Object pid, Call call) throws PtsafeException {
        StorageRef ref = ids.parse(pid, call);
        String key = ref.key();
        // Root and view keys are disjoint (each is checked against the other kind when recorded), so a
        // view's key is no root's: the conflict is found before the key is looked up among the roots.
        if (!views.isEmpty() && views.containsKey(key)) {
            throw conflict(call, "storage key '" + key + "' names a root storage here and a view of storage '"
                    + views.get(key).rootKey() + "' before");
        }
        // A new key takes the next slot at once: one parse and probe of the key, not two.
        int known = roots.putIfAbsent(key, rootsInOrder.size());
        StorageRef root;
        if (known >= 0) {
            // The root was made of the first id naming its key: its type and size are that id's.
            root = rootsInOrder.get(known);
            StorageIds.checkSame(root, ref, call);
        } else {
            root = ref.view() == null ? ref
                    : new StorageRef(key, ref.storageClass(), ref.dtype(), ref.location(), ref.numel(), null);
            rootsInOrder.add(root);
            if (all != null) {
                all.put(key, root);
            }
        }
        StorageRef.View v = ref.view();
        if (v == null) {
            return root;
        }
        if (roots.get(v.key()) >= 0) {
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
        if (all == null) {
            // The first view: every storage named so far is a root, in rootsInOrder's order.
            all = new LinkedHashMap<>();
            for (StorageRef r : rootsInOrder) {
                all.put(r.key(), r);
            }
        }
        views.put(v.key(), new ViewOf(key, viewRef));
        all.put(v.key(), viewRef);
        return viewRef;
    }

    /**
     * Records a root storage as {@link #load} records a new key without view metadata: for the ids of
     * an object pickle {@link io.ptsafe.pickle.torch.StateDictLane} read (distinct keys, in the order
     * first named, validated as {@link StorageIds#parse} validates them).
     */
    void root(StorageRef ref) {
        roots.put(ref.key(), rootsInOrder.size());
        rootsInOrder.add(ref);
    }

    /**
     * The slot of the root storage named {@code key}, or -1 if no root has that key.
     *
     * <p>The tensor layer resolves the roots in slot order ({@link #all()}'s order), each by the very
     * String its ref holds: the slot after the one last found this way is tried first, by identity (the
     * same String object is the same key, and a root's key has one slot), before the table is.
     */
    int slot(String key) {
        int next = nextResolved;
        if (next < rootsInOrder.size() && rootsInOrder.get(next).key() == key) {
            nextResolved = next + 1;
            return next;
        }
        return roots.get(key);
    }

    /** The slot of the root storage whose key is the decimal number {@code n} ({@link KeySlots#get(long)}), or -1. */
    int slot(long n) {
        return roots.get(n);
    }

    /** Root storages in the order first named (index = slot): the keys the storage section must hold. */
    List<StorageRef> roots() {
        return Collections.unmodifiableList(rootsInOrder);
    }

    /** Views by view key. */
    Map<String, ViewOf> views() {
        return Collections.unmodifiableMap(views);
    }

    /** Every storage the tensor layer sees (roots and views), by key, in the order first named. */
    Map<String, StorageRef> all() {
        return Collections.unmodifiableMap(all != null ? all : new RootRefs());
    }

    /** The roots as a map of key to ref (what {@link #all()} is while there are no views), without a copy. */
    private final class RootRefs extends AbstractMap<String, StorageRef> {
        @Override
        public int size() {
            return rootsInOrder.size();
        }

        @Override
        public boolean containsKey(Object key) {
            return key instanceof String k && roots.get(k) >= 0;
        }

        @Override
        public StorageRef get(Object key) {
            int slot = key instanceof String k ? roots.get(k) : -1;
            return slot < 0 ? null : rootsInOrder.get(slot);
        }

        @Override
        public Collection<StorageRef> values() {
            return Collections.unmodifiableList(rootsInOrder);
        }

        @Override
        public Set<Map.Entry<String, StorageRef>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public int size() {
                    return rootsInOrder.size();
                }

                @Override
                public Iterator<Map.Entry<String, StorageRef>> iterator() {
                    Iterator<StorageRef> it = rootsInOrder.iterator();
                    return new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return it.hasNext();
                        }

                        @Override
                        public Map.Entry<String, StorageRef> next() {
                            StorageRef r = it.next();
                            return Map.entry(r.key(), r);
                        }
                    };
                }
            };
        }
    }

    private static PtsafeException conflict(Call call, String message) {
        return call.fail(Reason.STORAGE_CONFLICT, message);
    }
}
