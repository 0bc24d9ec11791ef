package io.ptsafe.pickle.legacy;

import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.pickle.machine.DecodeBudget;
import io.ptsafe.pickle.machine.GlobalTable;
import io.ptsafe.pickle.machine.PersistentLoader;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.machine.PickleMachine;
import io.ptsafe.pickle.machine.PickleResult;
import io.ptsafe.pickle.torch.StateDictLane;
import io.ptsafe.pickle.torch.TorchGlobals;
import io.ptsafe.pickle.torch.TorchHeapCost;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Runs the consecutive pickles of a legacy stream through the restricted machine, one after the
 * other, each with torch's table of meanings and every limit of {@link LoadOptions}. Each pickle
 * ends at its STOP; the next begins right after it, where torch's C unpickler leaves the file
 * (_pickle.c load() ends with _Unpickler_SkipConsumed). pickle.py and C on io.BytesIO agree only when
 * STOP ends its FRAME, which the machine requires (PICKLE_FRAME_OVERRUN). They share one
 * {@link DecodeBudget}: the limit on decoded values is the file's. They share one table of meanings
 * too, built once per stream (building it was a twentieth of a 1,000-tensor open when made for each
 * of the five pickles): its tensor count, and so {@code maxTensors}, is the file's as well. Only the
 * object pickle holds tensors in a file torch writes; any in another pickle is refused there anyway.
 */
final class PickleCursor {
    /** One pickle run: the machine's result and the exact bytes of the pickle. */
    record Run(PickleResult result, PickleInput input) {
    }

    private final Path path;
    private final MemorySegment file;
    private final LoadOptions options;
    private final PickleListener listener;
    private final DecodeBudget budget;
    private final GlobalTable globals;
    private long pos;
    private int count;

    PickleCursor(Path path, MemorySegment file, LoadOptions options, PickleListener listener) {
        this.path = path;
        this.file = file;
        this.options = options;
        this.listener = listener;
        this.budget = new DecodeBudget(options);
        this.globals = TorchGlobals.table(options);
    }

    /** The stream's decoded-values budget, which its pickles share. */
    DecodeBudget budget() {
        return budget;
    }

    /** Offset of the next byte after the pickles read so far. */
    long position() {
        return pos;
    }

    /**
     * Reads the next pickle with {@link StateDictLane} (the object pickle, when opening): when it
     * takes it, the cursor moves past it as after {@link #next}; else it stays, for {@link #next}.
     */
    StateDictLane.Dict lane() {
        long window = Math.min(file.byteSize() - pos, options.maxPickleBytes());
        StateDictLane.Dict d = StateDictLane.legacyObject(file.asSlice(pos, window), options);
        if (d != null) {
            count++;
            pos += d.length();
        }
        return d;
    }

    /**
     * The sys_info of the stream's first three pickles when they are byte for byte what torch writes
     * ({@link KnownHeader}): then the cursor moves past them and the budget is charged what the machine
     * and the converter would charge. Else null, and the cursor has not moved: run them with
     * {@link #next}. Only while nothing listens, at the start of the stream.
     */
    SysInfo knownHeader() {
        if (listener != PickleListener.NONE || pos != 0) {
            return null;
        }
        SysInfo sys = KnownHeader.match(file, options, budget.limit() - budget.used());
        if (sys != null) {
            budget.add(KnownHeader.charged());
            count = 3;
            pos = KnownHeader.length();
        }
        return sys;
    }

    /**
     * The storage key list read by {@link StorageKeys#lane} when it takes it (then the cursor moves past
     * it, as {@link #next} would), else null and the cursor has not moved: run it with {@link #next}.
     * Only while nothing listens: a scan watches every opcode, so the machine runs it.
     */
    StorageKeys storageKeys() {
        if (listener != PickleListener.NONE) {
            return null;
        }
        StorageKeys keys = StorageKeys.lane(file, pos, Math.min(file.byteSize() - pos, options.maxPickleBytes()),
                options, budget);
        if (keys != null) {
            count++;
            pos += keys.end();
        }
        return keys;
    }

    /**
     * Runs the next pickle.
     *
     * @param what   what it holds, for messages ("the magic number")
     * @param loader persistent ids, or null to refuse every one
     */
    Run next(String what, PersistentLoader loader) throws PtsafeException {
        count++;
        String entry = "pickle " + count + " of the legacy stream (" + what + ")";
        long left = file.byteSize() - pos;
        // The machine sees at most maxPickleBytes: the storages after the pickles do not count
        // against the limit, and a pickle that runs past it is refused without reading further.
        long window = Math.min(left, options.maxPickleBytes());
        PickleInput in = new PickleInput(file.asSlice(pos, window), path, entry, pos);
        PickleResult r;
        try {
            r = PickleMachine.on(in, options).globals(globals).persistentIds(loader)
                    .listener(listener).budget(budget).heapCost(TorchHeapCost.of(true))
                    .argumentsDieWith(TorchHeapCost.keepsNoArguments()).allowTrailingData().run();
        } catch (PtsafeException e) {
            if (e.reason() == Reason.TRUNCATED_PICKLE && window < left) {
                throw Limit.MAX_PICKLE_BYTES.exceeded(path, entry + ", file offset " + pos
                        + ": no STOP within the limit, so the pickle's size is at least",
                        window + 1, options.maxPickleBytes());
            }
            throw e;
        }
        PickleInput exact = new PickleInput(file.asSlice(pos, r.end()), path, entry, pos);
        pos += r.end();
        return new Run(r, exact);
    }
}
