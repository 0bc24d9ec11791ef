package io.ptsafe.bench;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.openjdk.jmh.annotations.CompilerControl;

/**
 * The summing loops, shared by the raw passes and the ptsafe paths so that both sides do the same
 * arithmetic and differ only in how they get the values. Eight accumulators break the dependency
 * chain of float addition, so the loops are limited by reading memory, not by add latency. Never
 * inlined: each loop is compiled once, on its own, and both sides call that same code (inlined into
 * different callers, the same loop compiled 1.5x faster or slower from one caller to the next).
 */
final class Kernels {
    static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Kernels() {
    }

    /** Sum of the little-endian F32 values in {@code s}. */
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    static float sumF32(MemorySegment s) {
        long n = s.byteSize() / 4;
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        long i = 0;
        for (; i + 8 <= n; i += 8) {
            long o = i * 4;
            a0 += s.get(F32_LE, o);
            a1 += s.get(F32_LE, o + 4);
            a2 += s.get(F32_LE, o + 8);
            a3 += s.get(F32_LE, o + 12);
            a4 += s.get(F32_LE, o + 16);
            a5 += s.get(F32_LE, o + 20);
            a6 += s.get(F32_LE, o + 24);
            a7 += s.get(F32_LE, o + 28);
        }
        for (; i < n; i++) {
            a0 += s.get(F32_LE, i * 4);
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }

    /** Sum of the BF16 values in {@code s}, each widened to float on the way (bits shifted up 16). */
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    static float sumBF16(MemorySegment s) {
        long n = s.byteSize() / 2;
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        long i = 0;
        for (; i + 8 <= n; i += 8) {
            long o = i * 2;
            a0 += Float.intBitsToFloat(s.get(I16_LE, o) << 16);
            a1 += Float.intBitsToFloat(s.get(I16_LE, o + 2) << 16);
            a2 += Float.intBitsToFloat(s.get(I16_LE, o + 4) << 16);
            a3 += Float.intBitsToFloat(s.get(I16_LE, o + 6) << 16);
            a4 += Float.intBitsToFloat(s.get(I16_LE, o + 8) << 16);
            a5 += Float.intBitsToFloat(s.get(I16_LE, o + 10) << 16);
            a6 += Float.intBitsToFloat(s.get(I16_LE, o + 12) << 16);
            a7 += Float.intBitsToFloat(s.get(I16_LE, o + 14) << 16);
        }
        for (; i < n; i++) {
            a0 += Float.intBitsToFloat(s.get(I16_LE, i * 2) << 16);
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }

    /** Sum of the F16 values in {@code s}, each widened with {@link Float#float16ToFloat}. */
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    static float sumF16(MemorySegment s) {
        long n = s.byteSize() / 2;
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        long i = 0;
        for (; i + 8 <= n; i += 8) {
            long o = i * 2;
            a0 += Float.float16ToFloat(s.get(I16_LE, o));
            a1 += Float.float16ToFloat(s.get(I16_LE, o + 2));
            a2 += Float.float16ToFloat(s.get(I16_LE, o + 4));
            a3 += Float.float16ToFloat(s.get(I16_LE, o + 6));
            a4 += Float.float16ToFloat(s.get(I16_LE, o + 8));
            a5 += Float.float16ToFloat(s.get(I16_LE, o + 10));
            a6 += Float.float16ToFloat(s.get(I16_LE, o + 12));
            a7 += Float.float16ToFloat(s.get(I16_LE, o + 14));
        }
        for (; i < n; i++) {
            a0 += Float.float16ToFloat(s.get(I16_LE, i * 2));
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }

    /** Sum of the first {@code n} values of {@code a}, in the same order as {@link #sumF32}. */
    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    static float sum(float[] a, int n) {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            a0 += a[i];
            a1 += a[i + 1];
            a2 += a[i + 2];
            a3 += a[i + 3];
            a4 += a[i + 4];
            a5 += a[i + 5];
            a6 += a[i + 6];
            a7 += a[i + 7];
        }
        for (; i < n; i++) {
            a0 += a[i];
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
    }
}
