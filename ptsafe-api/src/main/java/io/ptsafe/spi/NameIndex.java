package io.ptsafe.spi;

import io.ptsafe.Tensor;
import java.util.List;

/**
 * The tensors of a file by name: open addressing over one {@code int[]} of positions in the file's
 * list (plus one, 0 for a free slot), probed linearly, at most half full. Against a {@code HashMap}
 * it keeps no node per tensor (32 bytes each, and the table): about 8 to 16 bytes a tensor in all.
 * Names are compared through the list ({@link String#hashCode()} is cached by each name).
 */
final class NameIndex {
    private final List<Tensor> tensors;
    private final int[] slots;

    private NameIndex(List<Tensor> tensors, int[] slots) {
        this.tensors = tensors;
        this.slots = slots;
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
            int i = slot(name, mask);
            for (int at; (at = slots[i]) != 0; i = i + 1 & mask) {
                if (tensors.get(at - 1).name().equals(name)) {
                    throw new Duplicate(name);
                }
            }
            slots[i] = p + 1;
        }
        return new NameIndex(tensors, slots);
    }

    /** {@return the tensor named {@code name}, or null} */
    Tensor get(String name) {
        int mask = slots.length - 1;
        for (int i = slot(name, mask), at; (at = slots[i]) != 0; i = i + 1 & mask) {
            Tensor t = tensors.get(at - 1);
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    private static int slot(String name, int mask) {
        int h = name.hashCode() * 0x9E3779B9;
        return (h ^ h >>> 16) & mask;
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
