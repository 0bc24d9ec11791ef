package io.ptsafe.spi;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * How {@link FileArena#tensor} makes the plain tensors of a file (contiguous, little-endian, a byte range
 * of the file's mapping) without the public {@link Tensor.Builder}: no builder, no copy of the shape, no
 * slice of the mapping per tensor. The maker is {@link Tensor}'s own, installed once by {@link Tensor}
 * when it is initialized; it checks what {@link Tensor.Builder#build()} checks for such a tensor and
 * leaves any refusal to the builder, so refusals and their messages are the builder's.
 *
 * <p>Not API: the package is exported to ptsafe's provider modules only.
 */
public final class FileTensors {
    private static volatile Maker maker;

    private FileTensors() {
    }

    /** Makes one tensor of a file: see {@link FileArena#tensor}. */
    @FunctionalInterface
    public interface Maker {
        /**
         * Makes the tensor.
         *
         * @param name     the tensor's name
         * @param dtype    the element type
         * @param shape    the shape, kept as it is (the caller's array is never written again)
         * @param origin   the file's origin; its mapping holds the storage
         * @param start    the storage's first byte in the mapping
         * @param byteSize the storage's length in bytes
         * @return the tensor
         * @throws PtsafeException as {@link Tensor.Builder#build()} for the same tensor
         */
        Tensor make(String name, DType dtype, long[] shape, TensorOrigin origin, long start, long byteSize)
                throws PtsafeException;
    }

    /**
     * Installs the maker: called once, by {@link Tensor}'s initialization. A second call fails (and with
     * it that initialization): nothing else can take this place.
     *
     * @param m the maker
     * @throws IllegalStateException if a maker is installed already
     */
    public static synchronized void install(Maker m) {
        if (maker != null) {
            throw new IllegalStateException("FileTensors maker installed twice");
        }
        maker = m;
    }

    static Maker maker() {
        Maker m = maker;
        if (m == null) {
            // Tensor installs its maker when it is initialized; using it initializes it.
            Tensor.builder("", DType.U8, new long[0], MemorySegment.NULL);
            m = maker;
            if (m == null) {
                throw new IllegalStateException("Tensor did not install its FileTensors maker");
            }
        }
        return m;
    }
}
