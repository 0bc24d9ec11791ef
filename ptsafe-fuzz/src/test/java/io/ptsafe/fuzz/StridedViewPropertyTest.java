package io.ptsafe.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random strided views of a random storage, built with {@link Tensor#builder}, against a gather
 * written plainly here: walk every index in row-major order, read the element at
 * {@code offset + sum(index * stride)}, swap its byte-order units if the storage is big-endian.
 * Shapes have zero dimensions and 0-dim scalars; strides are 0 (broadcast), 1, or anything up to 7,
 * in any order (transposes); storages are exactly large enough, larger, or one element short (then
 * the builder must refuse with VIEW_OUT_OF_BOUNDS).
 */
class StridedViewPropertyTest {
    private static final long SEED = 0x0d15_ea5eL;
    private static final int VIEWS = 5000;
    private static final DType[] DTYPES = Arrays.stream(DType.values()).filter(d -> d.bits() % 8 == 0)
            .toArray(DType[]::new);

    @Test
    void viewsEqualAPlainGather() throws PtsafeException {
        Random r = new Random(SEED);
        int built = 0;
        int refused = 0;
        for (int i = 0; i < VIEWS; i++) {
            DType dtype = DTYPES[r.nextInt(DTYPES.length)];
            int item = dtype.byteSize();
            long[] shape = new long[r.nextInt(5)];
            long[] strides = new long[shape.length];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = r.nextInt(6) == 0 ? 0 : 1 + r.nextInt(4);
                strides[d] = r.nextInt(4) == 0 ? 0 : r.nextInt(8);
            }
            long offset = r.nextInt(4) == 0 ? 0 : r.nextInt(6);
            long numel = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            long lastElement = offset;
            for (int d = 0; d < shape.length; d++) {
                lastElement += (shape[d] - 1) * strides[d];
            }
            long needed = numel == 0 ? 0 : (lastElement + 1) * item;
            int slack = r.nextInt(3) - 1; // -1: one element short
            long storageBytes = Math.max(0, needed + (long) slack * item);
            ByteOrder order = r.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
            byte[] storageBytesArray = new byte[(int) storageBytes];
            r.nextBytes(storageBytesArray);
            String at = "view " + i + " (seed " + SEED + "): " + dtype + Arrays.toString(shape) + " strides "
                    + Arrays.toString(strides) + " offset " + offset + " storage " + storageBytes + " " + order;

            try (Arena arena = Arena.ofConfined()) {
                MemorySegment storage = arena.allocate(Math.max(1, storageBytes)).asSlice(0, storageBytes);
                MemorySegment.copy(storageBytesArray, 0, storage, ValueLayout.JAVA_BYTE, 0, storageBytesArray.length);
                Tensor.Builder b = Tensor.builder("v", dtype, shape, storage).strides(strides).storageOffset(offset)
                        .byteOrder(order).arena(arena);
                if (storageBytes < needed) {
                    PtsafeException e = assertThrows(PtsafeException.class, b::build, at);
                    assertEquals(Reason.VIEW_OUT_OF_BOUNDS, e.reason(), at);
                    refused++;
                    continue;
                }
                Tensor t = b.build();
                built++;
                byte[] want = gather(storageBytesArray, dtype, shape, strides, offset, order);
                assertEquals(numel, t.numel(), at);
                assertEquals(want.length, t.byteSize(), at);
                assertArrayEquals(want, t.data().toArray(ValueLayout.JAVA_BYTE), at);
                byte[] copy = new byte[want.length + 3];
                t.copyInto(copy, 3);
                assertArrayEquals(want, Arrays.copyOfRange(copy, 3, copy.length), at);
                if (dtype == DType.F32) {
                    float[] f = t.toFloatArray();
                    for (int k = 0; k < f.length; k++) {
                        int bits = (want[4 * k] & 0xff) | (want[4 * k + 1] & 0xff) << 8 | (want[4 * k + 2] & 0xff) << 16
                                | (want[4 * k + 3] & 0xff) << 24;
                        assertEquals(bits, Float.floatToRawIntBits(f[k]), at + " element " + k);
                    }
                }
                if (shape.length > 0 && shape[0] > 0) {
                    long start = r.nextInt((int) shape[0] + 1);
                    long end = start + r.nextInt((int) (shape[0] - start) + 1);
                    Tensor s = t.slice(start, end);
                    long row = numel / shape[0] * item;
                    assertArrayEquals(Arrays.copyOfRange(want, (int) (start * row), (int) (end * row)),
                            s.data().toArray(ValueLayout.JAVA_BYTE), at + " slice [" + start + ", " + end + ")");
                }
            }
        }
        assertTrue(built > VIEWS / 2 && refused > VIEWS / 10, built + " built, " + refused + " refused");
    }

    @Test
    void negativeStridesAndOffsetsAreRefused() {
        MemorySegment s = MemorySegment.ofArray(new byte[64]);
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, assertThrows(PtsafeException.class, () -> Tensor.builder("v",
                DType.F32, new long[] {2, 2}, s).strides(new long[] {-1, 1}).storageOffset(4).build()).reason());
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, assertThrows(PtsafeException.class, () -> Tensor.builder("v",
                DType.F32, new long[] {2}, s).storageOffset(-1).build()).reason());
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, assertThrows(PtsafeException.class, () -> Tensor.builder("v",
                DType.F32, new long[] {2}, s).strides(new long[] {1, 1}).build()).reason());
    }

    @Test
    void hugeStridesOverflowCleanly() {
        MemorySegment s = MemorySegment.ofArray(new byte[64]);
        PtsafeException e = assertThrows(PtsafeException.class, () -> Tensor.builder("v", DType.F64,
                new long[] {3, 2}, s).strides(new long[] {Long.MAX_VALUE / 2, 1}).build());
        assertEquals(Reason.VALIDATION_OVERFLOW, e.reason());
    }

    /** The reference: element by element, row-major, byte-order units swapped for big-endian storage. */
    private static byte[] gather(byte[] storage, DType dtype, long[] shape, long[] strides, long offset, ByteOrder order) {
        int item = dtype.byteSize();
        int unit = dtype.byteOrderUnit();
        long numel = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        byte[] out = new byte[(int) (numel * item)];
        long[] index = new long[shape.length];
        for (int e = 0; e < numel; e++) {
            long element = offset;
            for (int d = 0; d < shape.length; d++) {
                element += index[d] * strides[d];
            }
            for (int b = 0; b < item; b++) {
                int src = b;
                if (order == ByteOrder.BIG_ENDIAN && unit > 1) {
                    src = b / unit * unit + (unit - 1 - b % unit);
                }
                out[e * item + b] = storage[(int) (element * item + src)];
            }
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return out;
    }
}
