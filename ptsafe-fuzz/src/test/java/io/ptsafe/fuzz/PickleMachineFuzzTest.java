package io.ptsafe.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.torch.StorageRef;
import io.ptsafe.pickle.torch.TensorTree;
import io.ptsafe.pickle.torch.TorchPickle;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Raw pickle bytes through the restricted machine with torch's table of meanings, as data.pkl:
 * decoded with the zip format's persistent ids and with the legacy format's, then turned into the
 * value tree and tensors over made-up storages of exactly the declared size (as a container whose
 * records all match would give); and decoded once more in scan mode. No file is involved, so
 * refusals name the pretend file the input says it comes from. A pickle the machine accepts must
 * be one CPython's C and Python unpicklers read identically ({@link FrameOracle}: framing).
 */
class PickleMachineFuzzTest {
    private static final Path FILE = Path.of("fuzz-input.pt");
    /** Storages larger than this are refused as a container would refuse a missing record. */
    private static final long MAX_STORAGE = 1 << 20;

    @FuzzTest(maxDuration = "30s")
    void pickle(byte[] bytes) {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate(Math.max(1, bytes.length)).asSlice(0, bytes.length);
            MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
            PickleInput in = new PickleInput(seg.asReadOnly(), FILE, "archive/data.pkl", 64);
            ByteOrder order = bytes.length % 2 == 0 ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
            for (boolean legacy : new boolean[] {false, true}) {
                try {
                    FrameOracle frames = new FrameOracle();
                    TorchPickle.Decoded d = TorchPickle.decode(in, Hostile.OPTIONS, legacy, false,
                            TorchPickle.Mode.LOAD, frames);
                    frames.check(bytes);
                    TensorTree.Tree tree = TensorTree.build(d, ref -> storage(ref, arena), order, arena, Hostile.OPTIONS);
                    Hostile.walk(tree.root());
                    for (Tensor t : tree.tensors()) {
                        Hostile.read(t, FILE);
                    }
                } catch (PtsafeException e) {
                    Hostile.refused(e, FILE);
                }
            }
            try {
                TorchPickle.decode(in, Hostile.OPTIONS, false, true, TorchPickle.Mode.SCAN, new PickleListener() {
                });
            } catch (PtsafeException e) {
                Hostile.refused(e, FILE);
            }
        }
    }

    private static MemorySegment storage(StorageRef ref, Arena arena) throws PtsafeException {
        long size = ref.byteSize();
        if (size < 0 || size > MAX_STORAGE) {
            throw new PtsafeException(Reason.RECORD_SIZE_MISMATCH, FILE, "no record of " + size + " bytes here");
        }
        MemorySegment s = arena.allocate(Math.max(1, size)).asSlice(0, size);
        for (long i = 0; i < size; i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + 7));
        }
        return s;
    }
}
