package io.ptsafe.fuzz;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
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
        assertThrows(UnsupportedOperationException.class, t::toFloatArray);
        assertThrows(UnsupportedOperationException.class, t::toDoubleArray);
        assertThrows(UnsupportedOperationException.class, t::toIntArray);
        Tensor c = Tensor.builder("expanded", DType.C64, HUGE, MemorySegment.ofArray(new byte[8])).strides(0).build();
        assertThrows(UnsupportedOperationException.class, c::toDoubleArray);
    }

    @Test
    void arraysOverTheJavaLimitAreRefusedBeforeAllocating() throws PtsafeException {
        Tensor t = Tensor.builder("expanded", DType.F32, new long[] {1L << 40}, MemorySegment.ofArray(new byte[4]))
                .strides(0).build();
        assertTrue(assertThrows(UnsupportedOperationException.class, t::toFloatArray).getMessage().contains("too large"));
        assertThrows(UnsupportedOperationException.class, t::toDoubleArray);
        assertThrows(UnsupportedOperationException.class, t::asByteBuffer);
    }

    @Test
    void aCopyThatCannotBeAllocatedIsRefused() throws PtsafeException {
        // 2^42 floats over 4 bytes of storage: a 16 TiB copy, which no allocator gives
        Tensor t = Tensor.builder("expanded", DType.F32, new long[] {1L << 42}, MemorySegment.ofArray(new byte[4]))
                .strides(0).build();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, t::data);
        assertTrue(e.getMessage().contains("cannot be allocated"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> t.slice(0, 1L << 41).data());
    }
}
