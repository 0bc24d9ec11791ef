package io.ptsafe;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Copies little-endian integer and BOOL elements into Java arrays, widening each exactly (signed
 * types sign-extended, unsigned ones zero-extended, BOOL as 0 or 1). The caller has checked that the
 * array type holds every value of the dtype.
 */
final class IntegerWidening {
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private IntegerWidening() {
    }

    static void toLongs(DType dtype, MemorySegment d, long[] out) {
        if (dtype == DType.I64) {
            MemorySegment.copy(d, I64_LE, 0, out, 0, out.length);
            return;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = element(dtype, d, i);
        }
    }

    static void toInts(DType dtype, MemorySegment d, int[] out) {
        if (dtype == DType.I32) {
            MemorySegment.copy(d, I32_LE, 0, out, 0, out.length);
            return;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) element(dtype, d, i);
        }
    }

    static void toShorts(DType dtype, MemorySegment d, short[] out) {
        if (dtype == DType.I16) {
            MemorySegment.copy(d, I16_LE, 0, out, 0, out.length);
            return;
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (short) element(dtype, d, i);
        }
    }

    static void toBytes(DType dtype, MemorySegment d, byte[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) element(dtype, d, i);
        }
    }

    private static long element(DType dtype, MemorySegment d, long i) {
        return switch (dtype) {
            case BOOL -> d.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
            case U8 -> d.get(ValueLayout.JAVA_BYTE, i) & 0xff;
            case I8 -> d.get(ValueLayout.JAVA_BYTE, i);
            case I16 -> d.get(I16_LE, 2 * i);
            case U16 -> d.get(I16_LE, 2 * i) & 0xffff;
            case I32 -> d.get(I32_LE, 4 * i);
            case U32 -> d.get(I32_LE, 4 * i) & 0xffff_ffffL;
            case I64 -> d.get(I64_LE, 8 * i);
            default -> throw new AssertionError(dtype);
        };
    }
}
