package io.ptsafe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class TensorTest {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32_BE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static MemorySegment floats(Arena arena, ValueLayout.OfFloat layout, float... v) {
        MemorySegment s = arena.allocate(v.length * 4L);
        for (int i = 0; i < v.length; i++) {
            s.set(layout, i * 4L, v[i]);
        }
        return s;
    }

    private static float[] range(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = i;
        }
        return f;
    }

    @Test
    void contiguousTensorIsAZeroCopySlice() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment storage = floats(arena, F32_LE, range(12));
            Tensor t = Tensor.builder("w", DType.F32, new long[] {2, 3}, storage).storageOffset(6).build();
            assertFalse(t.isView());
            assertEquals(6, t.numel());
            assertEquals(24, t.byteSize());
            assertEquals(storage.address() + 24, t.data().address());
            assertTrue(t.data().isReadOnly());
            assertArrayEquals(new float[] {6, 7, 8, 9, 10, 11}, t.toFloatArray());
        }
    }

    @Test
    void transposedViewIsGatheredOnceInRowMajorOrder() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            // storage holds a 2x3 matrix; the view is its 3x2 transpose
            MemorySegment storage = floats(arena, F32_LE, range(6));
            Tensor t = Tensor.builder("t", DType.F32, new long[] {3, 2}, storage).strides(1, 3).arena(arena).build();
            assertTrue(t.isView());
            assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, t.toFloatArray());
            assertEquals(t.data().address(), t.data().address(), "copy made once");
        }
    }

    @Test
    void strideZeroAndOffsetViewsGather() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment storage = floats(arena, F32_LE, range(8));
            Tensor expanded = Tensor.builder("e", DType.F32, new long[] {3, 2}, storage)
                    .strides(0, 1).storageOffset(4).build();
            assertArrayEquals(new float[] {4, 5, 4, 5, 4, 5}, expanded.toFloatArray());
            Tensor column = Tensor.builder("c", DType.F32, new long[] {2, 1}, storage).strides(4, 1).storageOffset(3).build();
            assertArrayEquals(new float[] {3, 7}, column.toFloatArray());
        }
    }

    @Test
    void bigEndianStorageIsSwappedToLittleEndian() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment storage = floats(arena, F32_BE, 1.5f, -2f, 3.25f);
            Tensor t = Tensor.builder("b", DType.F32, new long[] {3}, storage).byteOrder(ByteOrder.BIG_ENDIAN).build();
            assertTrue(t.isView());
            assertArrayEquals(new float[] {1.5f, -2f, 3.25f}, t.toFloatArray());
            assertEquals(1.5f, t.data().get(F32_LE, 0));
        }
    }

    @Test
    void bigEndianComplexSwapsEachComponent() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment storage = floats(arena, F32_BE, 1f, 2f);
            Tensor t = Tensor.builder("c", DType.C64, new long[] {1}, storage).byteOrder(ByteOrder.BIG_ENDIAN).build();
            assertEquals(1f, t.data().get(F32_LE, 0));
            assertEquals(2f, t.data().get(F32_LE, 4));
        }
    }

    @Test
    void viewOutsideTheStorageIsRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment storage = floats(arena, F32_LE, range(6));
            PtsafeException e = assertThrows(PtsafeException.class,
                    () -> Tensor.builder("x", DType.F32, new long[] {2, 3}, storage).storageOffset(1).build());
            assertEquals(Reason.VIEW_OUT_OF_BOUNDS, e.reason());
            assertTrue(e.getMessage().contains("'x'"), e.getMessage());
            PtsafeException s = assertThrows(PtsafeException.class,
                    () -> Tensor.builder("y", DType.F32, new long[] {2, 2}, storage).strides(4, 2).build());
            assertEquals(Reason.VIEW_OUT_OF_BOUNDS, s.reason());
        }
    }

    @Test
    void overflowingShapesAndNegativeNumbersAreRefused() {
        MemorySegment empty = MemorySegment.ofArray(new byte[0]);
        assertEquals(Reason.VALIDATION_OVERFLOW, assertThrows(PtsafeException.class,
                () -> Tensor.builder("o", DType.F32, new long[] {1L << 40, 1L << 40}, empty).build()).reason());
        assertEquals(Reason.VALIDATION_OVERFLOW, assertThrows(PtsafeException.class,
                () -> Tensor.builder("o", DType.F64, new long[] {1L << 61}, empty).build()).reason());
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, assertThrows(PtsafeException.class,
                () -> Tensor.builder("n", DType.F32, new long[] {-1}, empty).build()).reason());
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, assertThrows(PtsafeException.class,
                () -> Tensor.builder("n", DType.F32, new long[] {1}, empty).strides(-1).build()).reason());
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, assertThrows(PtsafeException.class,
                () -> Tensor.builder("n", DType.F32, new long[] {1}, empty).storageOffset(-4).build()).reason());
    }

    @Test
    void zeroSizeAndScalarTensors() throws Exception {
        MemorySegment empty = MemorySegment.ofArray(new byte[0]);
        Tensor z = Tensor.builder("z", DType.F32, new long[] {2, 0}, empty).storageOffset(100).build();
        assertEquals(0, z.numel());
        assertEquals(0, z.data().byteSize());
        assertArrayEquals(new float[0], z.toFloatArray());
        Tensor s = Tensor.of("s", DType.I64, new long[0], MemorySegment.ofArray(new long[] {42}));
        assertEquals(1, s.numel());
        long[] out = new long[1];
        s.copyInto(out, 0);
        assertEquals(42, out[0]);
    }

    @Test
    void sliceAlongTheFirstDimensionIsZeroCopy() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment storage = floats(arena, F32_LE, range(12));
            Tensor t = Tensor.of("w", DType.F32, new long[] {4, 3}, storage);
            Tensor rows = t.slice(1, 3);
            assertArrayEquals(new long[] {2, 3}, rows.shape());
            assertEquals(storage.address() + 12, rows.data().address());
            assertArrayEquals(new float[] {3, 4, 5, 6, 7, 8}, rows.toFloatArray());
            assertEquals(0, t.slice(4, 4).numel());
            assertThrows(IndexOutOfBoundsException.class, () -> t.slice(2, 5));
            assertThrows(IllegalArgumentException.class, () -> t.slice(-1, 1));
        }
    }

    @Test
    void sliceOfATransposedView() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment storage = floats(arena, F32_LE, range(6));
            Tensor t = Tensor.builder("t", DType.F32, new long[] {3, 2}, storage).strides(1, 3).build();
            assertArrayEquals(new float[] {1, 4, 2, 5}, t.slice(1, 3).toFloatArray());
        }
    }

    @Test
    void subByteTensorsSliceOnlyOnByteBoundaries() throws Exception {
        MemorySegment bytes = MemorySegment.ofArray(new byte[] {0x10, 0x32, 0x54, 0x76});
        Tensor f4 = Tensor.of("f4", DType.F4, new long[] {4, 2}, bytes);
        assertEquals(4, f4.byteSize());
        assertEquals(0x54, f4.slice(2, 4).data().get(ValueLayout.JAVA_BYTE, 0));
        Tensor odd = Tensor.of("f4", DType.F4, new long[] {8, 1}, bytes);
        assertThrows(IllegalArgumentException.class, () -> odd.slice(1, 2));
        assertEquals(Reason.MISALIGNED_SLICE, ((PtsafeException) assertThrows(IllegalArgumentException.class,
                () -> Tensor.of("f4", DType.F4, new long[] {3}, bytes)).getCause()).reason());
        assertThrows(UnsupportedOperationException.class, f4::toFloatArray);
    }

    @Test
    void widensHalfAndBfloat16() throws Exception {
        short[] halves = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0x7C00};
        Tensor f16 = Tensor.of("h", DType.F16, new long[] {5}, MemorySegment.ofArray(halves));
        assertArrayEquals(new float[] {1f, -2f, 65504f, 5.9604645e-8f, Float.POSITIVE_INFINITY}, f16.toFloatArray());
        short[] b = {0x3F80, (short) 0xC040, 0x7F80};
        Tensor bf16 = Tensor.of("b", DType.BF16, new long[] {3}, MemorySegment.ofArray(b));
        assertArrayEquals(new float[] {1f, -3f, Float.POSITIVE_INFINITY}, bf16.toFloatArray());
        assertArrayEquals(new double[] {1.0, -3.0, Double.POSITIVE_INFINITY}, bf16.toDoubleArray());
    }

    @Test
    void widensEveryFloat8Variant() throws Exception {
        // Values from the format definitions (OCP 8-bit floating point spec, and the FNUZ variants).
        assertF8(DType.F8_E4M3, 0x7E, 448f);
        assertF8(DType.F8_E4M3, 0x7F, Float.NaN);
        assertF8(DType.F8_E4M3, 0x38, 1f);
        assertF8(DType.F8_E4M3, 0x01, 0.001953125f);
        assertF8(DType.F8_E4M3, 0xB8, -1f);
        assertF8(DType.F8_E5M2, 0x7B, 57344f);
        assertF8(DType.F8_E5M2, 0x7C, Float.POSITIVE_INFINITY);
        assertF8(DType.F8_E5M2, 0xFC, Float.NEGATIVE_INFINITY);
        assertF8(DType.F8_E5M2, 0x7D, Float.NaN);
        assertF8(DType.F8_E5M2, 0x3C, 1f);
        assertF8(DType.F8_E5M2, 0x01, 1.5258789e-5f);
        assertF8(DType.F8_E4M3FNUZ, 0x7F, 240f);
        assertF8(DType.F8_E4M3FNUZ, 0x80, Float.NaN);
        assertF8(DType.F8_E4M3FNUZ, 0x40, 1f);
        assertF8(DType.F8_E5M2FNUZ, 0x7F, 57344f);
        assertF8(DType.F8_E5M2FNUZ, 0x80, Float.NaN);
        assertF8(DType.F8_E5M2FNUZ, 0x40, 1f);
        assertF8(DType.F8_E8M0, 127, 1f);
        assertF8(DType.F8_E8M0, 0, 0x1p-127f);
        assertF8(DType.F8_E8M0, 254, 0x1p127f);
        assertF8(DType.F8_E8M0, 255, Float.NaN);
    }

    private static void assertF8(DType type, int bits, float expected) throws PtsafeException {
        Tensor t = Tensor.of("f8", type, new long[] {1}, MemorySegment.ofArray(new byte[] {(byte) bits}));
        assertEquals(expected, t.toFloatArray()[0], type + " 0x" + Integer.toHexString(bits));
    }

    @Test
    void refusesWideningIntegersAndPointsF64ToDoubles() throws Exception {
        Tensor i = Tensor.of("i", DType.I32, new long[] {1}, MemorySegment.ofArray(new int[] {7}));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, i::toFloatArray);
        assertTrue(e.getMessage().contains("tensor 'i' is I32"), e.getMessage());
        Tensor d = Tensor.of("d", DType.F64, new long[] {2}, MemorySegment.ofArray(new double[] {0.1, 2}));
        assertTrue(assertThrows(UnsupportedOperationException.class, d::toFloatArray).getMessage().contains("toDoubleArray"));
        assertArrayEquals(new double[] {0.1, 2}, d.toDoubleArray());
    }

    @Test
    void copiesIntoCallerArraysWithBoundsChecks() throws Exception {
        Tensor t = Tensor.of("i", DType.I32, new long[] {3}, MemorySegment.ofArray(new int[] {1, 2, 3}));
        int[] dst = new int[5];
        t.copyInto(dst, 2);
        assertArrayEquals(new int[] {0, 0, 1, 2, 3}, dst);
        assertThrows(IndexOutOfBoundsException.class, () -> t.copyInto(dst, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> t.copyInto(dst, -1));
        assertThrows(UnsupportedOperationException.class, () -> t.copyInto(new long[3], 0));
        byte[] raw = new byte[12];
        t.copyInto(raw, 0);
        assertEquals(3, raw[8]);
    }

    @Test
    void readsAfterCloseGiveTheClosedError() throws Exception {
        Arena arena = Arena.ofShared();
        MemorySegment storage = floats(arena, F32_LE, range(6));
        Tensor t = Tensor.of("w", DType.F32, new long[] {6}, storage);
        Tensor view = Tensor.builder("v", DType.F32, new long[] {3}, storage).strides(2).arena(arena).build();
        arena.close();
        assertTrue(assertThrows(TensorFileClosedException.class, t::data).getMessage().contains("tensor 'w' used after"));
        assertThrows(TensorFileClosedException.class, t::toFloatArray);
        assertThrows(TensorFileClosedException.class, view::data);
        assertThrows(TensorFileClosedException.class, () -> t.slice(0, 1));
        assertThrows(TensorFileClosedException.class, t::storage);
    }
}
