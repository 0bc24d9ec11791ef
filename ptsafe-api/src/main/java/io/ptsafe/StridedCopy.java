package io.ptsafe;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Gathers a strided view into contiguous little-endian bytes. Iterative: no recursion on rank. */
final class StridedCopy {
    private StridedCopy() {
    }

    static void gather(MemorySegment storage, long storageOffset, long[] shape, long[] strides, DType dtype,
            ByteOrder order, MemorySegment out) {
        long item = dtype.byteSize();
        long numel = out.byteSize() / item;
        if (numel > 0) {
            int rank = shape.length;
            if (rank == 0) {
                MemorySegment.copy(storage, storageOffset * item, out, 0, item);
            } else {
                copyRuns(storage, storageOffset, shape, strides, item, out);
            }
        }
        if (order != ByteOrder.LITTLE_ENDIAN) {
            swapInPlace(out, dtype.byteOrderUnit());
        }
    }

    /** Walks every index but the last with an odometer, copying the last dimension as one run when it is dense. */
    private static void copyRuns(MemorySegment storage, long storageOffset, long[] shape, long[] strides, long item,
            MemorySegment out) {
        int rank = shape.length;
        int last = rank - 1;
        long inner = shape[last];
        long innerStride = strides[last];
        long[] index = new long[rank];
        long src = storageOffset; // element offset of index[0..last-1], last = 0
        long dst = 0;
        while (true) {
            if (innerStride == 1 || inner == 1) {
                MemorySegment.copy(storage, src * item, out, dst, inner * item);
                dst += inner * item;
            } else {
                long e = src;
                for (long j = 0; j < inner; j++, e += innerStride) {
                    MemorySegment.copy(storage, e * item, out, dst, item);
                    dst += item;
                }
            }
            int d = last - 1;
            while (d >= 0) {
                index[d]++;
                src += strides[d];
                if (index[d] < shape[d]) {
                    break;
                }
                src -= strides[d] * shape[d];
                index[d] = 0;
                d--;
            }
            if (d < 0) {
                return;
            }
        }
    }

    static void swapInPlace(MemorySegment seg, int unit) {
        long n = seg.byteSize() / unit;
        switch (unit) {
            case 2 -> {
                ValueLayout.OfShort l = ValueLayout.JAVA_SHORT_UNALIGNED;
                for (long i = 0; i < n; i++) {
                    seg.set(l, i * 2, Short.reverseBytes(seg.get(l, i * 2)));
                }
            }
            case 4 -> {
                ValueLayout.OfInt l = ValueLayout.JAVA_INT_UNALIGNED;
                for (long i = 0; i < n; i++) {
                    seg.set(l, i * 4, Integer.reverseBytes(seg.get(l, i * 4)));
                }
            }
            case 8 -> {
                ValueLayout.OfLong l = ValueLayout.JAVA_LONG_UNALIGNED;
                for (long i = 0; i < n; i++) {
                    seg.set(l, i * 8, Long.reverseBytes(seg.get(l, i * 8)));
                }
            }
            default -> {
                // byte-sized units have no order
            }
        }
    }
}
