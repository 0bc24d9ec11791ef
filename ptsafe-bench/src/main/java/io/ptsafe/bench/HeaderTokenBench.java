package io.ptsafe.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
 * The parse limit of a safetensors open: a bare jackson-core token pass (default factory, every
 * token, no values read, no checks) over the header bytes of open-N.safetensors, already in a
 * {@code byte[]}. The safetensors open target is "within 2x of this".
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HeaderTokenBench {
    @Param({"10", "1000", "20000"})
    public int tensors;

    private final JsonFactory factory = new JsonFactory();
    byte[] header;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        header = headerBytes(SafetensorsFiles.openFile(tensors));
    }

    /** The header of a safetensors file: the bytes after the 8-byte length. */
    static byte[] headerBytes(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return Arrays.copyOfRange(all, 8, 8 + (int) n);
    }

    @Benchmark
    public int jacksonTokens() throws IOException {
        int count = 0;
        try (JsonParser p = factory.createParser(header)) {
            while (p.nextToken() != null) {
                count++;
            }
        }
        return count;
    }
}
