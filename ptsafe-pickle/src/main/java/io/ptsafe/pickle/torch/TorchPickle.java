package io.ptsafe.pickle.torch;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.machine.PickleMachine;
import io.ptsafe.pickle.machine.PickleResult;
import java.util.Map;

/**
 * Decodes a torch checkpoint's object pickle with the default table ({@link TorchGlobals}) and
 * torch's storage persistent ids ({@link StorageIds}). Reads no storage bytes: the result names the
 * storages, and {@link TensorTree} resolves them. The zip reader, the legacy reader and the scanner
 * all go through here, so they cannot disagree about what a pickle means.
 */
public final class TorchPickle {
    private TorchPickle() {
    }

    /**
     * A decoded pickle.
     *
     * @param input    the pickle decoded
     * @param result   the machine's result ({@link PickleResult#root()} holds {@link TensorNode}s)
     * @param storages every storage the pickle names, by key, in the order first named
     */
    public record Decoded(PickleInput input, PickleResult result, Map<String, StorageRef> storages) {
    }

    /** How to run the machine. */
    public enum Mode {
        /** Refuse forbidden globals (listing them all). */
        LOAD,
        /** Collect forbidden globals in {@link PickleResult#forbidden()} and go on: for scanners. */
        SCAN
    }

    /**
     * Decodes {@code input}.
     *
     * @param legacy        whether persistent ids are the legacy format's (six items)
     * @param allowTrailing whether bytes may follow STOP (a stream of pickles)
     */
    public static Decoded decode(PickleInput input, LoadOptions options, boolean legacy, boolean allowTrailing,
            Mode mode, PickleListener listener) throws PtsafeException {
        StorageIds ids = new StorageIds(legacy);
        PickleMachine.Builder b = PickleMachine.on(input, options).globals(TorchGlobals.table(options))
                .persistentIds(ids).listener(listener).heapCost(TorchHeapCost.of(legacy))
                .argumentsDieWith(TorchHeapCost.keepsNoArguments());
        if (allowTrailing) {
            b.allowTrailingData();
        }
        PickleResult r = mode == Mode.SCAN ? b.scan() : b.run();
        return new Decoded(input, r, ids.storages());
    }
}
