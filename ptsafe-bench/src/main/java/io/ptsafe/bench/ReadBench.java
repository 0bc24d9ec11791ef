package io.ptsafe.bench;

import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;

/**
 * Reading tensor values through the public API, each against the limit: a plain sequential pass over
 * the same bytes of the same file, mapped with {@link FileChannel#map}. Every file holds the same
 * number of elements ({@code mib} MiB of F32) in tensors of 1024 x 1024; the page cache is warm after
 * the first warm-up iteration (the files are read whole every invocation and fit in memory).
 *
 * <ul>
 *   <li>{@code *Raw*}: the limit, one loop over the whole mapped data region;</li>
 *   <li>{@code ptsafe*}: {@code SafeLoader.open} once per trial, then per invocation every tensor's
 *       {@code data()} (zero-copy) or {@code copyInto(float[])} (widening), summed with the same loop.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ReadBench {
    /** MiB of F32 (the BF16 and F16 files hold the same number of elements in half the bytes). */
    @Param({"256"})
    public int mib;

    private Arena arena;
    private Path f32File;
    private MemorySegment rawF32;
    private MemorySegment rawBF16;
    private MemorySegment rawF16;
    private TensorFile f32;
    private TensorFile bf16;
    private TensorFile f16;
    private List<Tensor> f32Tensors;
    private List<Tensor> bf16Tensors;
    private List<Tensor> f16Tensors;
    private float[] buffer;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        arena = Arena.ofShared();
        Path pf32 = SafetensorsFiles.readFile("F32", mib);
        f32File = pf32;
        Path pbf16 = SafetensorsFiles.readFile("BF16", mib);
        Path pf16 = SafetensorsFiles.readFile("F16", mib);
        rawF32 = mapData(pf32);
        rawBF16 = mapData(pbf16);
        rawF16 = mapData(pf16);
        f32 = SafeLoader.open(pf32);
        bf16 = SafeLoader.open(pbf16);
        f16 = SafeLoader.open(pf16);
        f32Tensors = f32.tensors();
        bf16Tensors = bf16.tensors();
        f16Tensors = f16.tensors();
        long max = f32Tensors.stream().mapToLong(Tensor::numel).max().orElse(0);
        buffer = new float[(int) max];
        // Both sides must read the same values: a guard against measuring the wrong thing.
        check("F32", rawF32Sum(), ptsafeF32Sum());
        check("BF16", rawBF16Sum(), ptsafeBF16Sum());
        check("F16", rawF16Sum(), ptsafeF16Sum());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        f32.close();
        bf16.close();
        f16.close();
        arena.close();
    }

    // --- F32 sum --------------------------------------------------------------------------------

    @Benchmark
    public float rawF32Sum() {
        return Kernels.sumF32(rawF32);
    }

    @Benchmark
    public float ptsafeF32Sum() throws IOException {
        float s = 0;
        for (Tensor t : f32Tensors) {
            s += Kernels.sumF32(t.data());
        }
        return s;
    }

    /** Peer: DJL decodes the file into native tensors, then each is copied out as float[] and summed. */
    @Benchmark
    public float djlF32DecodeSum(DjlPeer djl) throws IOException {
        return djl.decodeAndSum(f32File);
    }

    // --- BF16 and F16 widened to float ------------------------------------------------------------

    @Benchmark
    public float rawBF16Sum() {
        return Kernels.sumBF16(rawBF16);
    }

    @Benchmark
    public float ptsafeBF16Sum() throws IOException {
        return widenAndSum(bf16Tensors);
    }

    @Benchmark
    public float rawF16Sum() {
        return Kernels.sumF16(rawF16);
    }

    @Benchmark
    public float ptsafeF16Sum() throws IOException {
        return widenAndSum(f16Tensors);
    }

    // --- F32 copied into heap arrays -----------------------------------------------------------------

    @Benchmark
    public float rawF32Copy() {
        float s = 0;
        int per = buffer.length;
        long bytes = rawF32.byteSize();
        for (long off = 0; off < bytes; off += (long) per * 4) {
            int n = (int) Math.min(per, (bytes - off) / 4);
            MemorySegment.copy(rawF32, Kernels.F32_LE, off, buffer, 0, n);
            s += buffer[n - 1];
        }
        return s;
    }

    @Benchmark
    public float ptsafeF32CopyInto() throws IOException {
        float s = 0;
        for (Tensor t : f32Tensors) {
            t.copyInto(buffer, 0);
            s += buffer[(int) t.numel() - 1];
        }
        return s;
    }

    @Benchmark
    public float ptsafeF32ToFloatArray() throws IOException {
        float s = 0;
        for (Tensor t : f32Tensors) {
            float[] a = t.toFloatArray();
            s += a[a.length - 1];
        }
        return s;
    }

    // --- internals ------------------------------------------------------------------------------

    private float widenAndSum(List<Tensor> tensors) throws IOException {
        float s = 0;
        for (Tensor t : tensors) {
            t.copyInto(buffer, 0);
            s += Kernels.sum(buffer, (int) t.numel());
        }
        return s;
    }

    private MemorySegment mapData(Path file) throws IOException {
        long start = SafetensorsFiles.dataStart(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, start, ch.size() - start, arena);
        }
    }

    private static void check(String what, float raw, float ptsafe) {
        if (Math.abs(raw - ptsafe) > 1e-3 * Math.max(1, Math.abs(raw))) {
            throw new IllegalStateException(what + ": raw pass sums to " + raw + ", ptsafe to " + ptsafe);
        }
    }
}
