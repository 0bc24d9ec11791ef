package io.ptsafe.bench;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import io.ptsafe.djl.DjlOptions;
import io.ptsafe.djl.Memory;
import io.ptsafe.djl.PtsafeNDList;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A whole state dict into DJL's PyTorch engine: ptsafe-djl vs DJL's own {@code NDList.decode}, on the
 * same safetensors file of {@code mib} MiB of F32 in 1024 x 1024 tensors (written at setup, never
 * committed; the page cache is warm after the first iteration). Each invocation loads every tensor
 * into native memory and frees it.
 *
 * <ul>
 *   <li>{@code ptsafeCopy}: {@code PtsafeNDList.load(manager, path)}: open and validate, then one copy
 *       per tensor from the mapping into libtorch memory; no tensor byte on the Java heap;</li>
 *   <li>{@code ptsafeView}: {@code PtsafeNDList.from} with {@link Memory#READ_ONLY_VIEW} on a file
 *       opened per invocation: no copy at all;</li>
 *   <li>{@code djlDecode}: {@code NDList.decode} of a buffered stream: DJL reads the whole data region
 *       into one {@code byte[]} on the heap, then copies each tensor into native memory.</li>
 * </ul>
 * The heap each path needs is measured apart, by {@link DjlHeapPeak} in child JVMs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g", "--enable-native-access=ALL-UNNAMED"})
public class DjlLoadBench {
    /** MiB of F32 in the state dict. */
    @Param({"1024"})
    public int mib;

    private Path file;
    private DjlPeer djl;
    private NDManager manager;

    @Setup(Level.Trial)
    public void setUp() {
        file = SafetensorsFiles.readFile("F32", mib);
        djl = new DjlPeer();
        djl.setUp();
        manager = NDManager.newBaseManager("PyTorch");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
        djl.tearDown();
    }

    @Benchmark
    public int ptsafeCopy() throws IOException {
        try (NDManager m = manager.newSubManager()) {
            return PtsafeNDList.load(m, file).size();
        }
    }

    @Benchmark
    public int ptsafeView() throws IOException {
        try (TensorFile f = SafeLoader.open(file); NDManager m = manager.newSubManager()) {
            NDList list = PtsafeNDList.from(m, f, DjlOptions.builder().memory(Memory.READ_ONLY_VIEW).build());
            return list.size();
        }
    }

    @Benchmark
    public int djlDecode() throws IOException {
        return djl.decode(file);
    }
}
