package io.ptsafe.spi;

import io.ptsafe.Tensor;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tensors of a file by name: open addressing over one {@code int[]} of positions in the file's
 * list (plus one, 0 for a free slot), probed linearly, at most half full. Against a {@code HashMap}
 * it keeps no node per tensor (32 bytes each, and the table): about 8 to 16 bytes a tensor in all.
 * Names are compared through the list ({@link String#hashCode()} is cached by each name).
 *
 * <p>Names come from the file. Their cells are spread with a per-process random seed, so a file
 * cannot pick names whose cells form one long run. Names that share one {@code String.hashCode}
 * ("Aa" and "BB", and every string of such blocks) can be picked, though, and are told apart only by
 * comparing them: when more than {@link #MAX_SAME_HASH} of them meet, the index is a {@link HashMap}
 * instead, whose crowded buckets are trees of comparable keys (log n a lookup, not n).
 */
final class NameIndex {
    /** Names sharing one hash code that the table compares before it gives way to a map. */
    static final int MAX_SAME_HASH = 32;

    private final List<Tensor> tensors;
    private final int[] slots;
    /** The index when names crowded one hash code, else null. */
    private final Map<String, Tensor> crowded;

    private NameIndex(List<Tensor> tensors, int[] slots, Map<String, Tensor> crowded) {
        this.tensors = tensors;
        this.slots = slots;
        this.crowded = crowded;
    }

    /**
     * Indexes {@code tensors} (a list that is never changed).
     *
     * @throws Duplicate naming the first tensor, in list order, whose name an earlier one has
     */
    static NameIndex of(List<Tensor> tensors) throws Duplicate {
        int capacity = Integer.highestOneBit(Math.max(8, tensors.size() * 2 - 1)) << 1;
        int[] slots = new int[capacity];
        int mask = capacity - 1;
        for (int p = 0; p < tensors.size(); p++) {
            String name = tensors.get(p).name();
            int h = name.hashCode();
            int i = slot(h, mask);
            int sameHash = 0;
            for (int at; (at = slots[i]) != 0; i = i + 1 & mask) {
                String other = tensors.get(at - 1).name();
                if (other.hashCode() == h) {
                    if (other.equals(name)) {
                        throw new Duplicate(name);
                    }
                    if (++sameHash > MAX_SAME_HASH) {
                        return crowded(tensors);
                    }
                }
            }
            slots[i] = p + 1;
        }
        return new NameIndex(tensors, slots, null);
    }

    /** {@link #of} as a map: the same first repeated name in list order, the same lookups. */
    private static NameIndex crowded(List<Tensor> tensors) throws Duplicate {
        Map<String, Tensor> byName = HashMap.newHashMap(tensors.size());
        for (Tensor t : tensors) {
            if (byName.putIfAbsent(t.name(), t) != null) {
                throw new Duplicate(t.name());
            }
        }
        return new NameIndex(tensors, null, byName);
    }

    /** Whether names crowding one hash code made this index a map (for tests). */
    boolean isCrowded() {
        return crowded != null;
    }

    /** {@return the tensor named {@code name}, or null} */
    Tensor get(String name) {
        if (crowded != null) {
            return crowded.get(name);
        }
        int mask = slots.length - 1;
        for (int i = slot(name.hashCode(), mask), at; (at = slots[i]) != 0; i = i + 1 & mask) {
            Tensor t = tensors.get(at - 1);
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    private static int slot(int hashCode, int mask) {
        return SeededHash.spread(hashCode) & mask;
    }

    /** Two tensors share a name. */
    static final class Duplicate extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient String name;

        Duplicate(String name) {
            super(null, null, false, false);
            this.name = name;
        }

        String name() {
            return name;
        }
    }
}
