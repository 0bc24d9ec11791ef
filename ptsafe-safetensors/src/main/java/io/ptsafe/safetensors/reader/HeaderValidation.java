package io.ptsafe.safetensors.reader;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The reference's {@code Metadata::validate}: with the tensors sorted by their offsets, each must begin
 * where the previous one ended (the first at 0) and span exactly the bytes its dtype and shape need.
 *
 * <p>Arithmetic is signed 64-bit where the reference's is unsigned: an element count from 2^63 to
 * 2^64 - 1 overflows here and not there. No file holds such a tensor, except one with another
 * dimension of 0 (shape [2^62, 2, 0]), which the reference accepts as empty and ptsafe refuses with
 * {@link Reason#VALIDATION_OVERFLOW}.
 */
final class HeaderValidation {
    private HeaderValidation() {
    }

    /**
     * Checks the tensors, in the reference's order and with its reasons, and returns where the last
     * one ends: the length the byte buffer must have.
     *
     * @param tensors in any order; sorted here by (begin, end), ties kept in header order
     */
    static long validate(JsonSource source, List<TensorInfo> tensors) throws PtsafeException {
        Path file = source.file();
        TensorInfo[] byOffset = tensors.toArray(TensorInfo[]::new);
        Arrays.sort(byOffset, Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long start = 0;
        for (TensorInfo t : byOffset) {
            if (t.begin() != start || t.end() < t.begin()) {
                throw new PtsafeException(Reason.INVALID_OFFSET, file, where(source, t) + " has data_offsets ["
                        + t.begin() + ", " + t.end() + "]: " + (t.end() < t.begin() ? "it ends before it begins"
                        : "with the tensors sorted by offset it must begin at " + start
                        + (start == 0 ? " (the start of the byte buffer)" : ", where the previous one ends")
                        + (t.begin() > start ? "; bytes " + start + " to " + t.begin() + " belong to no tensor"
                        : "; it overlaps the previous one")));
            }
            start = t.end();

            long count = 1;
            for (long d : t.shape()) {
                count = multiply(source, t, count, d, "the element count");
            }
            long bits = multiply(source, t, count, t.dtype().bits(), "the bit count");
            if (bits % 8 != 0) {
                throw new PtsafeException(Reason.MISALIGNED_SLICE, file, where(source, t) + ": " + count + " elements of "
                        + t.dtype() + " are " + bits + " bits, not a whole number of bytes");
            }
            long size = bits / 8;
            if (t.end() - t.begin() != size) {
                throw new PtsafeException(Reason.TENSOR_INVALID_INFO, file, where(source, t) + ": " + t.dtype()
                        + Arrays.toString(t.shape()) + " needs " + size + " bytes, its data_offsets [" + t.begin()
                        + ", " + t.end() + "] span " + (t.end() - t.begin()));
            }
        }
        return start;
    }

    private static String where(JsonSource source, TensorInfo t) {
        return source.tensor(t.name(), t.headerOffset());
    }

    private static long multiply(JsonSource source, TensorInfo t, long a, long b, String what) throws PtsafeException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new PtsafeException(Reason.VALIDATION_OVERFLOW, source.file(), where(source, t) + ": " + what + " of "
                    + t.dtype() + Arrays.toString(t.shape()) + " overflows 64 bits (" + a + " x " + b + ")");
        }
    }
}
