package io.ptsafe.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Chunked gathering agrees with {@link Tensor#data()} (the API's own copy) for every kind of view. */
class ViewGatherTest {
    @Test
    void agreesWithTensorDataForRandomViewsAndChunkings() throws PtsafeException {
        Random r = new Random(42);
        DType[] types = {DType.U8, DType.F16, DType.F32, DType.F64, DType.C64, DType.C128, DType.I64};
        int checked = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (int trial = 0; trial < 400; trial++) {
                DType t = types[r.nextInt(types.length)];
                int rank = r.nextInt(4);
                long[] shape = new long[rank];
                for (int d = 0; d < rank; d++) {
                    shape[d] = 1 + r.nextInt(5);
                }
                // a permutation of contiguous strides, sometimes stretched, plus an offset
                long[] strides = new long[rank];
                long acc = 1 + r.nextInt(2);
                Integer[] order = new Integer[rank];
                for (int d = 0; d < rank; d++) {
                    order[d] = d;
                }
                java.util.Collections.shuffle(Arrays.asList(order), r);
                for (int k = rank - 1; k >= 0; k--) {
                    strides[order[k]] = acc;
                    acc *= shape[order[k]] + r.nextInt(2);
                }
                long offset = r.nextInt(3);
                long elements = offset + acc + 1;
                MemorySegment storage = arena.allocate(elements * t.byteSize());
                for (long i = 0; i < storage.byteSize(); i++) {
                    storage.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
                }
                ByteOrder bo = r.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
                Tensor tensor = Tensor.builder("v", t, shape, storage).strides(strides).storageOffset(offset)
                        .byteOrder(bo).arena(arena).build();
                byte[] want = tensor.data().toArray(ValueLayout.JAVA_BYTE);
                // gather in chunks of a random whole number of elements
                long item = t.byteSize();
                long chunk = item * (1 + r.nextInt(4));
                byte[] got = new byte[want.length];
                for (long off = 0; off < want.length; off += chunk) {
                    long n = Math.min(chunk, want.length - off);
                    MemorySegment dst = arena.allocate(n);
                    ViewGather.gather(tensor, tensor.storage(), off / item, dst);
                    MemorySegment.copy(dst, ValueLayout.JAVA_BYTE, 0, got, (int) off, (int) n);
                }
                assertArrayEquals(want, got, () -> t + Arrays.toString(shape) + " strides " + Arrays.toString(strides)
                        + " offset " + offset + " " + bo);
                checked += tensor.isView() ? 1 : 0;
            }
        }
        assertTrue(checked > 200, "most trials are views: " + checked);
    }
}
