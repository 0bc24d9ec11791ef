package io.ptsafe.pickle.legacy;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.machine.TreeConverter;
import io.ptsafe.pickle.machine.Values;
import io.ptsafe.pickle.torch.StorageRef;
import io.ptsafe.pickle.torch.StateDictLane;
import io.ptsafe.pickle.torch.StorageSource;
import io.ptsafe.pickle.torch.TorchPickle;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A legacy {@code torch.save} stream (torch before 1.6, or {@code _use_new_zipfile_serialization=False}),
 * validated from end to end:
 *
 * <ol>
 * <li>a pickle of the magic number 0x1950a86a20f9469cfc6c,
 * <li>a pickle of the protocol version 1001,
 * <li>a pickle of sys_info ({@link SysInfo}),
 * <li>the object pickle, whose persistent ids are storages ({@link LegacyStorageIds}),
 * <li>a pickle of the list of storage keys (sorted by torch, in the order of the blocks),
 * <li>the storage blocks ({@link StorageSection}), and nothing after them.
 * </ol>
 *
 * <p>All five pickles go through the same restricted machine, table of meanings and limits as a zip
 * checkpoint's {@code data.pkl}: torch.load unpickles every one of them with the full pickle module,
 * so a payload in any of them runs under torch and is refused here (FORBIDDEN_GLOBAL ...). The magic
 * number and protocol version are compared after decoding, as torch does. When nothing listens (an
 * open, not a scan), the first three pickles and the key list are read without the machine if their
 * bytes are exactly what torch writes ({@link KnownHeader}, {@link StorageKeys#lane}), with the same
 * result, charge and limits; any other byte goes through the machine.
 *
 * <p>Bytes after the last storage block are refused ({@link Reason#TRAILING_DATA}). torch ignores
 * them, but torch.save never writes any, and a legacy stream followed by a zip archive is a polyglot
 * that zip tools and torch.load read as two different checkpoints.
 */
public final class LegacyStream {
    private final TorchPickle.Decoded object;
    private final StateDictLane.Dict lane;
    private final StorageSource storages;
    private final SysInfo sysInfo;

    private LegacyStream(TorchPickle.Decoded object, StateDictLane.Dict lane, StorageSource storages, SysInfo sysInfo) {
        this.object = object;
        this.lane = lane;
        this.storages = storages;
        this.sysInfo = sysInfo;
    }

    /** The decoded object pickle (its storages named, not yet resolved), or null when {@link #lane()} read it. */
    public TorchPickle.Decoded object() {
        return object;
    }

    /** The object pickle as {@link StateDictLane} read it (a plain state dict, when opening), or null. */
    public StateDictLane.Dict lane() {
        return lane;
    }

    /** The storages: zero-copy slices of the file, each exactly its declared size. */
    public StorageSource storages() {
        return storages;
    }

    /** Whether sys_info says the writing host was little-endian (informative: storages are always little-endian). */
    public boolean writtenLittleEndian() {
        return sysInfo.littleEndian();
    }

    /**
     * Reads and validates the stream in {@code file} (the whole mapped file).
     *
     * @param listener watches every opcode and global of all five pickles, in order
     */
    public static LegacyStream read(Path path, MemorySegment file, LoadOptions options, PickleListener listener)
            throws PtsafeException {
        // Opening (nothing listens): the object pickle goes to the lane first.
        if (listener == PickleListener.NONE) {
            LegacyStream s = read(path, file, options, listener, true);
            if (s != null) {
                return s;
            }
        }
        return read(path, file, options, listener, false);
    }

    /**
     * {@link #read(Path, MemorySegment, LoadOptions, PickleListener)}, with the object pickle read by
     * {@link StateDictLane} when {@code lane}: then null when anything after it could have gone
     * otherwise with the machine's values charged (the key list refused, the budget near its limit),
     * for the caller to read the stream again without the lane.
     */
    private static LegacyStream read(Path path, MemorySegment file, LoadOptions options, PickleListener listener,
            boolean lane) throws PtsafeException {
        PickleCursor cursor = new PickleCursor(path, file, options, listener);
        // The three as torch writes them, byte for byte (KnownHeader), or else through the machine.
        SysInfo sysInfo = cursor.knownHeader();
        if (sysInfo == null) {
            PickleCursor.Run magic = cursor.next("the magic number", null);
            if (!(magic.result().root() instanceof PyValue.Int m) || !m.value().equals(LegacyMagic.MAGIC)) {
                throw header(path, magic.input(), "holds " + scalar(magic.result().root())
                        + ", not torch's magic number 0x" + LegacyMagic.MAGIC.toString(16));
            }
            PickleCursor.Run version = cursor.next("the protocol version", null);
            if (!(version.result().root() instanceof PyValue.Int v)
                    || !v.value().equals(BigInteger.valueOf(LegacyMagic.PROTOCOL_VERSION))) {
                throw header(path, version.input(), "holds protocol version " + scalar(version.result().root())
                        + "; ptsafe reads version " + LegacyMagic.PROTOCOL_VERSION);
            }
            PickleCursor.Run sys = cursor.next("sys_info", null);
            sysInfo = SysInfo.check(inert(sys, options, path), path, sys.input().entry());
        }
        LegacyStorageIds ids = new LegacyStorageIds();
        StateDictLane.Dict dict = null;
        PickleCursor.Run obj = null;
        if (lane) {
            dict = cursor.lane();
            if (dict == null) {
                return null;
            }
            for (StorageRef r : dict.storages()) {
                ids.root(r);
            }
            // Held while the key list is read, as the machine's values would be; given back below.
            cursor.budget().add(dict.budgetBound());
        } else {
            obj = cursor.next("the object", ids);
        }
        long beforeList = cursor.budget().used();
        StorageKeys keys;
        try {
            keys = cursor.storageKeys();
            if (keys == null) {
                PickleCursor.Run list = cursor.next("the storage key list", null);
                keys = StorageKeys.of(keys(inert(list, options, path), path, list.input()));
            }
        } catch (PtsafeException e) {
            if (lane) {
                return null; // the machine's refusal, with the object pickle's values charged as it charges them
            }
            throw e;
        }
        // The machine's values of the object pickle are charged while the key list is read; the lane
        // charged its bound on them (above them all), so the key list met at least that; over the limit
        // anywhere, the machine reads the stream again and decides.
        if (lane && cursor.budget().peak() > cursor.budget().limit()) {
            return null;
        }
        // What the key list's pickle and its conversion were charged (its machine values, its list).
        long listCharge = cursor.budget().used() - beforeList;
        StorageSection.Blocks blocks = StorageSection.read(path, file, cursor.position(), keys, ids);
        // Nothing of the key list outlives this method (the blocks are kept by slot, not by key):
        // given back before the object pickle is converted, the peak of the open.
        cursor.budget().release(listCharge);
        if (lane) {
            cursor.budget().release(dict.budgetBound());
        }
        if (blocks.end() != file.byteSize()) {
            throw new PtsafeException(Reason.TRAILING_DATA, path, (file.byteSize() - blocks.end())
                    + " bytes after the last storage block (file offset " + blocks.end() + "): torch.save writes "
                    + "none, and a second file hidden there reads differently in other tools");
        }
        TorchPickle.Decoded decoded = lane ? null : new TorchPickle.Decoded(obj.input(), obj.result(), ids.all());
        // The views are all known now: their map is taken once, not once per storage.
        Map<String, LegacyStorageIds.ViewOf> views = ids.views().isEmpty() ? Map.of() : ids.views();
        StorageSource source = !lane ? ref -> resolve(ref, ids, views, blocks, path) : new StorageSource() {
            @Override
            public MemorySegment resolve(StorageRef ref) throws PtsafeException {
                return LegacyStream.resolve(ref, ids, views, blocks, path);
            }

            /** The lane's roots were recorded in its order (and it takes no views): each slot is its position. */
            @Override
            public MemorySegment resolve(StorageRef ref, int position) throws PtsafeException {
                MemorySegment s = blocks.get(position);
                return s != null ? s : resolve(ref);
            }
        };
        return new LegacyStream(decoded, dict, source, sysInfo);
    }

    private static MemorySegment resolve(StorageRef ref, LegacyStorageIds ids, Map<String, LegacyStorageIds.ViewOf> views,
            StorageSection.Blocks blocks, Path path) throws PtsafeException {
        LegacyStorageIds.ViewOf view = views.isEmpty() ? null : views.get(ref.key());
        if (view != null) {
            MemorySegment root = blocks.get(ids.slot(view.rootKey()));
            long item = ref.elementType().byteSize();
            // LegacyStorageIds checked offset + size <= the root's numel, and the root's bytes are numel * item.
            return root.asSlice(Math.multiplyExact(ref.view().offset(), item), Math.multiplyExact(ref.numel(), item));
        }
        int slot = ids.slot(ref.key());
        if (slot < 0) {
            throw new PtsafeException(Reason.MISSING_RECORD, path, "storage '" + ref.key() + "' has no block in the "
                    + "storage section");
        }
        return blocks.get(slot);
    }

    /** Converts a pickle that may hold only plain values (no tensors, storages or objects). */
    private static PyValue inert(PickleCursor.Run run, LoadOptions options, Path path) throws PtsafeException {
        TreeConverter.Leaves none = (leaf, where) -> {
            throw header(path, run.input(), "holds a " + Values.typeName(leaf) + "; only plain values belong there");
        };
        return TreeConverter.convert(run.result(), none, options, run.input()).root();
    }

    private static List<String> keys(PyValue v, Path path, PickleInput in) throws PtsafeException {
        if (!(v instanceof PyValue.PyList l)) {
            throw header(path, in, "holds a " + Values.typeName(v) + ", not a list of storage keys");
        }
        List<String> keys = new ArrayList<>(l.items().size());
        for (int i = 0; i < l.items().size(); i++) {
            if (!(l.items().get(i) instanceof PyValue.Str s)) {
                throw header(path, in, "item " + i + " is a " + Values.typeName(l.items().get(i))
                        + ", not a storage key (str)");
            }
            keys.add(s.value());
        }
        return keys;
    }

    private static String scalar(Object v) {
        return v instanceof PyValue.Int i && i.value().bitLength() <= 128 ? i.value().toString()
                : "a " + Values.typeName(v);
    }

    private static PtsafeException header(Path path, PickleInput in, String message) {
        return new PtsafeException(Reason.INVALID_LEGACY_HEADER, path, in.entry() + " at file offset " + in.fileOffset()
                + " " + message);
    }
}
