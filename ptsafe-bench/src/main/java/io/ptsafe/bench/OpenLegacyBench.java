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
 * Opening a torch checkpoint in the legacy (pre-1.6, non-zip) format: {@code open-N-legacy.pt}, the
 * state dicts of {@link OpenTorchBench} written by torch 1.13 with
 * {@code _use_new_zipfile_serialization=False} (scripts/make_bench_data.py). The stream: magic,
 * protocol and sys-info pickles, the pickled state dict, the storage-key list, then every storage's
 * bytes. Its own class (not a parameter of OpenTorchBench) so a JMH filter picks one format, and
 * because the Pyrolite peer there reads a zip's data.pkl. The peer is
 * {@code torch.load(weights_only=True)} on the same file (scripts/time_torch_load.py).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class OpenLegacyBench {
    @Param({"10", "1000", "20000"})
    public int tensors;

    private Path file;
    private String lastName;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = BenchData.torchFile("open-" + tensors + "-legacy.pt");
        lastName = Opening.lastName(file);
    }

    @Benchmark
    public long ptsafeOpen() throws IOException {
        return Opening.open(file, lastName);
    }
}
