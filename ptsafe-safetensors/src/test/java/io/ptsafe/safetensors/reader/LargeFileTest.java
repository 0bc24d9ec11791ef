package io.ptsafe.safetensors.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tensor over 2 GiB in a sparse file: mapped and read through data(), refused where Java containers stop. */
class LargeFileTest {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @TempDir
    Path dir;

    @Test
    void tensorOverTwoGigabytes() throws IOException {
        long numel = (1L << 29) + 3; // 2 GiB + 12 bytes of F32
        long bytes = numel * 4;
        String json = "{\"big\":{\"dtype\":\"F32\",\"shape\":[" + numel + "],\"data_offsets\":[0," + bytes + "]}}";
        byte[] header = (json + " ".repeat((8 - json.length() % 8) % 8)).getBytes(StandardCharsets.US_ASCII);
        long dataStart = 8 + header.length;
        Path p = dir.resolve("big.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(TestFiles.raw(header, new byte[0]));
            f.setLength(dataStart + bytes); // sparse: only the pages written below take disk space
            f.seek(dataStart);
            f.write(le(1.5f));
            f.seek(dataStart + bytes - 4);
            f.write(le(-2.25f));
        }
        try {
            try (TensorFile tf = SafeLoader.open(p)) {
                Tensor t = tf.tensor("big");
                assertEquals(bytes, t.byteSize());
                MemorySegment d = t.data();
                assertEquals(bytes, d.byteSize());
                assertEquals(1.5f, d.get(F32_LE, 0));
                assertEquals(0f, d.get(F32_LE, bytes / 2));
                assertEquals(-2.25f, d.get(F32_LE, bytes - 4));
                assertThrows(UnsupportedOperationException.class, t::asByteBuffer);
                assertThrows(UnsupportedOperationException.class, () -> t.copyInto(new byte[16], 0));
            }
        } finally {
            Files.deleteIfExists(p);
        }
    }

    private static byte[] le(float v) {
        int b = Float.floatToRawIntBits(v);
        return new byte[] {(byte) b, (byte) (b >>> 8), (byte) (b >>> 16), (byte) (b >>> 24)};
    }
}
