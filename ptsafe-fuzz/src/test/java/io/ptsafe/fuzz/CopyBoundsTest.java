package io.ptsafe.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * A file can declare a view far larger than its bytes: stride 0 repeats one element (torch's
 * {@code expand}). Copies into Java arrays must refuse what they cannot do before allocating the
 * array, or a tiny file turns a refusal into an OutOfMemoryError (this module runs in 256 MB).
 */
class CopyBoundsTest {
    /** 2^30 elements over 8 bytes of storage: a 4 GiB float[], an 8 GiB double[]. */
    private static final long[] HUGE = {1L << 30};

    @Test
    void arraysOfDtypesThatCannotWidenAreRefusedBeforeAllocating() throws PtsafeException {
        Tensor t = Tensor.builder("expanded", DType.I64, HUGE, MemorySegment.ofArray(new byte[8]))
                .strides(0).build();
        assertEquals(Reason.UNSUPPORTED_DTYPE_OPERATION, assertThrows(PtsafeException.class, t::toFloatArray).reason());
        assertEquals(Reason.UNSUPPORTED_DTYPE_OPERATION, assertThrows(PtsafeException.class, t::toDoubleArray).reason());
        Tensor c = Tensor.builder("expanded", DType.C64, HUGE, MemorySegment.ofArray(new byte[8])).strides(0).build();
        assertEquals(Reason.UNSUPPORTED_DTYPE_OPERATION, assertThrows(PtsafeException.class, c::toDoubleArray).reason());
    }

    @Test
    void arraysOverTheJavaLimitAreRefusedBeforeAllocating() throws PtsafeException {
        Tensor t = Tensor.builder("expanded", DType.F32, new long[] {1L << 40}, MemorySegment.ofArray(new byte[4]))
                .strides(0).build();
        assertEquals(Reason.TOO_LARGE_FOR_JAVA, assertThrows(PtsafeException.class, t::toFloatArray).reason());
        assertEquals(Reason.TOO_LARGE_FOR_JAVA, assertThrows(PtsafeException.class, t::toDoubleArray).reason());
        assertEquals(Reason.TOO_LARGE_FOR_JAVA, assertThrows(PtsafeException.class, t::asByteBuffer).reason());
    }

    @Test
    void aCopyThatCannotBeAllocatedIsRefused() throws PtsafeException {
        // 2^42 floats over 4 bytes of storage: a 16 TiB copy, which no allocator gives
        Tensor t = Tensor.builder("expanded", DType.F32, new long[] {1L << 42}, MemorySegment.ofArray(new byte[4]))
                .strides(0).build();
        PtsafeException e = assertThrows(PtsafeException.class, t::data);
        assertEquals(Reason.TOO_LARGE_FOR_JAVA, e.reason(), e.getMessage());
        assertEquals(Reason.TOO_LARGE_FOR_JAVA, assertThrows(PtsafeException.class, () -> t.slice(0, 1L << 41).data())
                .reason());
    }
}
