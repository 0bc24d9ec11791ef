package io.ptsafe.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ptsafe.safetensors.reader.SafetensorsProvider;
import io.ptsafe.spi.FileProbe;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;

/**
 * A safetensors header the fuzzer writes, framed so that the length prefix is always right: the
 * input is the header JSON followed by the byte buffer's length (2 bytes, little-endian); the file
 * is {@code u64 length · header · buffer}. Parsing, every validation rule and, when the header is
 * valid, every read of the tensors. Opened through the safetensors provider directly, so that a
 * header whose first byte is not '{' is still the safetensors reader's to refuse.
 */
class SafetensorsHeaderFuzzTest {
    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "30s")
    void header(byte[] input) throws IOException {
        Path p = Hostile.file(dir, "input.safetensors", file(input));
        Hostile.openReadClose(p, q -> new SafetensorsProvider().open(FileProbe.of(q), Hostile.OPTIONS));
    }

    static byte[] file(byte[] input) {
        int dataLength = 0;
        byte[] header = input;
        if (input.length >= 2) {
            dataLength = (input[input.length - 2] & 0xff) | (input[input.length - 1] & 0xff) << 8;
            header = Arrays.copyOf(input, input.length - 2);
        }
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataLength).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        for (int i = 0; i < dataLength; i++) {
            b.put((byte) (i * 31 + 7));
        }
        return b.array();
    }
}
