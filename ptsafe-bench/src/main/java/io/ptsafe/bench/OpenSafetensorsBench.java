package io.ptsafe.bench;

import java.io.IOException;
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
 * Opening a safetensors file of N small F32 tensors (the tensors of open-N.pt): header parse,
 * validation and index. The peer, DJL's {@code NDList.decode}, has no lazy mode: it also copies every
 * tensor into native memory (256 bytes each here), so its time includes that.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OpenSafetensorsBench {
    @Param({"10", "1000", "20000"})
    public int tensors;

    private Path file;
    private String lastName;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = SafetensorsFiles.openFile(tensors);
        lastName = Opening.lastName(file);
    }

    @Benchmark
    public long ptsafeOpen() throws IOException {
        return Opening.open(file, lastName);
    }

    @Benchmark
    public int djlDecode(DjlPeer djl) throws IOException {
        return djl.decode(file);
    }
}
