package io.ptsafe.bench;

import io.ptsafe.safetensors.ConversionReport;
import io.ptsafe.safetensors.SafetensorsConverter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
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
 * Converting a torch zip checkpoint to safetensors with {@link SafetensorsConverter} (open, plan,
 * stream the tensor bytes to a temporary file, force it to disk, read it back and compare byte for
 * byte, rename into place), against copying the same file with {@link Files#copy} (page cache only,
 * no fsync) and with Files.copy followed by {@code force(true)} (the same durability as the converter).
 * Outputs go to the benchmark data folder, overwritten each invocation; source in the page cache.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ConvertBench {
    /** The torch file converted: convert.pt (make_bench_data.py) or, for a smoke run, open-10.pt. */
    @Param({"convert.pt"})
    public String source;

    private Path src;
    private Path converted;
    private Path copied;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        src = BenchData.torchFile(source);
        Path out = Files.createDirectories(BenchData.dir().resolve("convert-out"));
        converted = out.resolve("converted.safetensors");
        copied = out.resolve("copied.pt");
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(converted);
        Files.deleteIfExists(copied);
    }

    @Benchmark
    public long ptsafeConvert() throws IOException {
        ConversionReport r = SafetensorsConverter.convertFile(src, converted);
        return r.fileBytes();
    }

    @Benchmark
    public long filesCopy() throws IOException {
        Files.copy(src, copied, StandardCopyOption.REPLACE_EXISTING);
        return copied.getFileName().toString().length();
    }

    @Benchmark
    public long filesCopyForce() throws IOException {
        Files.copy(src, copied, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel ch = FileChannel.open(copied, StandardOpenOption.WRITE)) {
            ch.force(true);
            return ch.size();
        }
    }
}
