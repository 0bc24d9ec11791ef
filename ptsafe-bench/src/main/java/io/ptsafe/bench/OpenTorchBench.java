package io.ptsafe.bench;

import io.ptsafe.LoadOptions;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.torch.StateDictLane;
import io.ptsafe.pickle.torch.StorageSource;
import io.ptsafe.pickle.torch.TensorTree;
import io.ptsafe.pickle.torch.TorchPickle;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Opening a torch zip checkpoint (torch 1.13, {@code torch.save} of a state dict of N small tensors):
 * zip directory, record checks, restricted unpickling of data.pkl, binding storages to records, index.
 * The Java peer, Pyrolite, only unpickles data.pkl (already extracted to a byte[]), as
 * {@link #ptsafeDataPkl} does with ptsafe's machine; the headline peer,
 * torch.load(weights_only=True), is timed by scripts/time_torch_load.py on the same files.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OpenTorchBench {
    @Param({"10", "1000", "20000"})
    public int tensors;

    private Path file;
    private String lastName;
    private byte[] dataPkl;
    /** Zeros standing in for the storages of {@link #ptsafeDataPklLane} (no zip there). */
    private final MemorySegment standIn = MemorySegment.ofArray(new byte[1 << 20]);
    private final StorageSource standIns = ref -> ref.byteSize() <= standIn.byteSize() ? standIn.asSlice(0, ref.byteSize())
            : MemorySegment.ofArray(new byte[Math.toIntExact(ref.byteSize())]);

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = BenchData.torchFile("open-" + tensors + ".pt");
        lastName = Opening.lastName(file);
        dataPkl = PyrolitePeer.dataPkl(file);
        if (PyrolitePeer.load(dataPkl) != tensors) {
            throw new IllegalStateException("Pyrolite did not read " + tensors + " entries from " + file);
        }
    }

    /** Uses {@code pkl} as the data.pkl bytes without a file (for {@link OpenCpuTime}). */
    void useDataPkl(byte[] pkl) {
        dataPkl = pkl;
    }

    @Benchmark
    public long ptsafeOpen() throws IOException {
        return Opening.open(file, lastName);
    }

    @Benchmark
    public int pyroliteDataPkl() throws IOException {
        return PyrolitePeer.load(dataPkl);
    }

    /**
     * ptsafe's pickle machine alone on the same bytes as {@link #pyroliteDataPkl}: the torch table of
     * meanings, every check and limit, the storages named; no zip, no tree, no tensors.
     */
    @Benchmark
    public int ptsafeDataPkl() throws IOException {
        return machine();
    }

    /**
     * What ptsafe runs on these bytes when it opens the file: the state-dict lane
     * ({@link StateDictLane}, every check and limit), which also builds the tensors, over zeros
     * standing in for the storages (no zip); more work than {@link #pyroliteDataPkl} does.
     */
    @Benchmark
    public int ptsafeDataPklLane() throws IOException {
        TensorTree.Tree t = StateDictLane.read(PickleInput.of(MemorySegment.ofArray(dataPkl)), standIns,
                ByteOrder.LITTLE_ENDIAN, Arena.global(), LoadOptions.defaults());
        if (t == null) {
            throw new IllegalStateException("the lane declined the bench's data.pkl");
        }
        return t.tensors().size();
    }

    private int machine() throws IOException {
        return TorchPickle.decode(PickleInput.of(MemorySegment.ofArray(dataPkl)), LoadOptions.defaults(), false, false,
                TorchPickle.Mode.LOAD, PickleListener.NONE).storages().size();
    }
}
