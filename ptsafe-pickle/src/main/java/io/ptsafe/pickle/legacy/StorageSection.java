package io.ptsafe.pickle.legacy;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.pickle.torch.StorageRef;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;

/**
 * The storage section of a legacy stream: for each key of the storage key list, in that order, an
 * 8-byte little-endian element count and then that many elements of the storage's type
 * (torch/csrc/serialization.cpp, {@code THPStorage_writeFileRaw}). Each block becomes a zero-copy
 * slice of the file's mapping.
 *
 * <p>The key list and the pickle's references must agree exactly: a key listed but never
 * referenced as a storage, or listed twice, is {@link Reason#UNREFERENCED_STORAGE} (torch fails an
 * assertion on the first and silently overwrites the storage with the second block); a storage
 * referenced but not listed is {@link Reason#MISSING_RECORD} (torch loads it as uninitialised
 * memory). A count other than the declared numel (torch: "storage has wrong byte size") or a block
 * cut short by the end of the file is {@link Reason#RECORD_SIZE_MISMATCH}.
 */
final class StorageSection {
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long COUNT_BYTES = Long.BYTES;

    private StorageSection() {
    }

    /**
     * Reads the blocks starting at {@code start}. The key list is checked whole before any block is
     * read, so a bad list is refused as such whatever the blocks hold.
     *
     * @return each root storage's bytes by slot, and the offset just past the last block
     */
    static Blocks read(Path path, MemorySegment file, long start, StorageKeys keys, LegacyStorageIds ids)
            throws PtsafeException {
        List<StorageRef> roots = ids.roots();
        // Each listed key's root, by the root's slot: one lookup per key, duplicates found by slot.
        boolean[] listed = new boolean[roots.size()];
        int[] slots = new int[keys.size()];
        for (int i = 0; i < keys.size(); i++) {
            int slot = keys.slot(i, ids);
            if (slot < 0) {
                // A key that is no root is refused at its first listing, so it is never "listed twice".
                String key = keys.key(i);
                LegacyStorageIds.ViewOf view = ids.views().get(key);
                throw new PtsafeException(Reason.UNREFERENCED_STORAGE, path, "the storage key list names '" + key
                        + "' (item " + i + "), which the object pickle never references as a storage"
                        + (view != null ? " (it is a view of storage '" + view.rootKey()
                                + "', whose bytes are its root's)" : ""));
            }
            if (listed[slot]) {
                throw new PtsafeException(Reason.UNREFERENCED_STORAGE, path, "the storage key list names '" + keys.key(i)
                        + "' twice (item " + i + "): its second block would overwrite the first, and no reference "
                        + "in the pickle is left for it");
            }
            listed[slot] = true;
            slots[i] = slot;
        }
        for (int slot = 0; slot < roots.size(); slot++) {
            if (!listed[slot]) {
                StorageRef ref = roots.get(slot);
                throw new PtsafeException(Reason.MISSING_RECORD, path, "storage '" + ref.key() + "' (" + ref.storageClass()
                        + " of " + ref.numel() + ") is referenced by the object pickle but missing from the storage "
                        + "key list, so the file holds no bytes for it");
            }
        }
        MemorySegment[] blocks = new MemorySegment[roots.size()];
        long pos = start;
        for (int slot : slots) {
            StorageRef ref = roots.get(slot);
            long left = file.byteSize() - pos;
            if (left < COUNT_BYTES) {
                throw mismatch(path, what(ref) + " at file offset " + pos + ": the file ends " + left
                        + " bytes into its 8-byte element count");
            }
            long count = file.get(I64_LE, pos);
            if (count != ref.numel()) {
                throw mismatch(path, what(ref) + " at file offset " + pos + ": its block's element count is "
                        + Long.toUnsignedString(count) + ", the object pickle declares " + ref.numel());
            }
            long bytes = ref.byteSize();
            if (bytes < 0) {
                throw mismatch(path, what(ref) + ": " + ref.numel() + " elements of " + ref.elementType()
                        + " overflow 64 bits of bytes");
            }
            long data = pos + COUNT_BYTES;
            if (bytes > file.byteSize() - data) {
                throw mismatch(path, what(ref) + " at file offset " + pos + ": needs " + bytes + " bytes, the file ends "
                        + (file.byteSize() - data) + " bytes into it");
            }
            blocks[slot] = file.asSlice(data, bytes);
            pos = data + bytes;
        }
        return new Blocks(blocks, pos);
    }

    /** Root storages' bytes by slot ({@link LegacyStorageIds#slot}), and where the section ends. */
    record Blocks(MemorySegment[] bySlot, long end) {
        /** The bytes of the root in {@code slot}. */
        MemorySegment get(int slot) {
            return bySlot[slot];
        }
    }

    /** The storage, for messages (built only when one is refused). */
    private static String what(StorageRef ref) {
        return "storage '" + ref.key() + "' (" + ref.storageClass() + ", " + ref.numel() + " elements)";
    }

    private static PtsafeException mismatch(Path path, String message) {
        return new PtsafeException(Reason.RECORD_SIZE_MISMATCH, path, message);
    }
}
