package io.ptsafe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Every 16-bit pattern widens as the definition says, at any destination offset and length. */
class FloatWideningTest {
    private static MemorySegment allPatterns() {
        ByteBuffer b = ByteBuffer.allocate(2 * 65536).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 65536; i++) {
            b.putShort((short) i);
        }
        return MemorySegment.ofArray(b.array());
    }

    @Test
    void everyF16PatternWidensLikeFloat16ToFloat() throws PtsafeException {
        float[] out = new float[65536 + 3];
        Tensor.of("h", DType.F16, new long[] {65536}, allPatterns()).copyInto(out, 3);
        for (int i = 0; i < 65536; i++) {
            assertEquals(Float.floatToRawIntBits(Float.float16ToFloat((short) i)), Float.floatToRawIntBits(out[3 + i]),
                    "pattern 0x" + Integer.toHexString(i));
        }
    }

    @Test
    void everyBF16PatternWidensToItsUpperHalf() throws PtsafeException {
        float[] out = new float[65536 + 5];
        Tensor.of("b", DType.BF16, new long[] {65536}, allPatterns()).copyInto(out, 5);
        for (int i = 0; i < 65536; i++) {
            assertEquals(i << 16, Float.floatToRawIntBits(out[5 + i]), "pattern 0x" + Integer.toHexString(i));
        }
    }

    @Test
    void oddLengthsLeaveTheRestOfTheArrayAlone() throws PtsafeException {
        for (int n = 0; n < 40; n++) {
            MemorySegment src = allPatterns().asSlice(2 * 0x3C00, 2L * n); // 1.0, then upwards
            float[] out = new float[n + 2];
            out[0] = -7f;
            out[n + 1] = -9f;
            Tensor.of("h", DType.F16, new long[] {n}, src).copyInto(out, 1);
            assertEquals(-7f, out[0]);
            assertEquals(-9f, out[n + 1]);
            for (int i = 0; i < n; i++) {
                assertEquals(Float.float16ToFloat((short) (0x3C00 + i)), out[1 + i]);
            }
        }
    }
}
