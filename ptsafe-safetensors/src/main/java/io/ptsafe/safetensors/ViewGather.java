package io.ptsafe.safetensors;

import io.ptsafe.DType;
import io.ptsafe.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Gathers a strided or big-endian tensor into contiguous little-endian bytes one chunk at a time,
 * straight from its storage, so writing or checking it needs a chunk of memory rather than a copy of
 * the tensor ({@link Tensor#data()} would keep a whole copy until its file is closed).
 *
 * <p>Only for tensors with whole-byte elements: sub-byte tensors are always contiguous and
 * little-endian ({@link Tensor#isView()} is false for them).
 */
final class ViewGather {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private ViewGather() {
    }

    /**
     * Fills {@code dst} with the tensor's bytes from element {@code first} on ({@code dst} holds a
     * whole number of elements, all inside the tensor).
     *
     * @param storage {@code t.storage()}, fetched once by the caller
     */
    static void gather(Tensor t, MemorySegment storage, long first, MemorySegment dst) {
        DType dtype = t.dtype();
        long item = dtype.byteSize();
        long count = dst.byteSize() / item;
        if (count == 0) {
            return;
        }
        long[] shape = t.shape();
        long[] strides = t.strides();
        int rank = shape.length;
        if (rank == 0) {
            MemorySegment.copy(storage, t.storageOffset() * item, dst, 0, item);
        } else {
            long[] index = new long[rank];
            long rest = first;
            for (int d = rank - 1; d >= 0; d--) {
                index[d] = rest % shape[d];
                rest /= shape[d];
            }
            long src = t.storageOffset();
            for (int d = 0; d < rank; d++) {
                src += index[d] * strides[d];
            }
            int last = rank - 1;
            long innerStride = strides[last];
            long done = 0;
            while (done < count) {
                long run = Math.min(shape[last] - index[last], count - done);
                if (innerStride == 1 || run == 1) {
                    MemorySegment.copy(storage, src * item, dst, done * item, run * item);
                } else {
                    for (long j = 0; j < run; j++) {
                        MemorySegment.copy(storage, (src + j * innerStride) * item, dst, (done + j) * item, item);
                    }
                }
                done += run;
                // advance the odometer by run along the last dimension, carrying into the others
                index[last] += run;
                src += run * innerStride;
                for (int d = last; d > 0 && index[d] == shape[d]; d--) {
                    src -= shape[d] * strides[d];
                    index[d] = 0;
                    index[d - 1]++;
                    src += strides[d - 1];
                }
            }
        }
        if (!t.storageByteOrder().equals(ByteOrder.LITTLE_ENDIAN)) {
            swap(dst, dtype.byteOrderUnit());
        }
    }

    private static void swap(MemorySegment seg, int unit) {
        long n = seg.byteSize() / unit;
        switch (unit) {
            case 2 -> {
                for (long i = 0; i < n; i++) {
                    seg.set(SHORT, i * 2, Short.reverseBytes(seg.get(SHORT, i * 2)));
                }
            }
            case 4 -> {
                for (long i = 0; i < n; i++) {
                    seg.set(INT, i * 4, Integer.reverseBytes(seg.get(INT, i * 4)));
                }
            }
            case 8 -> {
                for (long i = 0; i < n; i++) {
                    seg.set(LONG, i * 8, Long.reverseBytes(seg.get(LONG, i * 8)));
                }
            }
            default -> {
                // bytes have no order
            }
        }
    }
}
