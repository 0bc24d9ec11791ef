package io.ptsafe.djl;

import ai.djl.ndarray.NDArray;
import io.ptsafe.DType;
import io.ptsafe.Tensor;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** NDArrays back into ptsafe tensors, for the writer. */
final class NDArrayTensors {
    private NDArrayTensors() {
    }

    /**
     * A tensor over the array's bytes: on the PyTorch engine a direct buffer over the libtorch
     * memory ({@code toByteBuffer(true)}), so writing copies it once, from there to the file.
     * The array must stay open until the tensor is written.
     */
    static Tensor toTensor(String name, NDArray a) {
        DType dtype = EngineTypes.dtype(a.getDataType()).orElseThrow(() -> new IllegalArgumentException(
                "array '" + name + "' is " + a.getDataType() + ", which safetensors has no dtype for"));
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException("array '" + name + "': engines hold native byte order and this"
                    + " platform is big-endian; ptsafe-djl supports little-endian platforms");
        }
        ByteBuffer bytes = a.toByteBuffer(true);
        MemorySegment segment = MemorySegment.ofBuffer(bytes);
        return Tensor.of(name, dtype, a.getShape().getShape(), segment);
    }
}
