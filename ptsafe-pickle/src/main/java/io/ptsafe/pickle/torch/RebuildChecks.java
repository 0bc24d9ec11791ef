package io.ptsafe.pickle.torch;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.pickle.machine.Call;
import java.util.Arrays;

/**
 * What torch's rebuild functions refuse as they run, checked on every tensor a rebuild call
 * creates, whether or not the pickle's result still holds it: torch rebuilds each tensor at its
 * REDUCE, so an invalid tensor the result then drops (a dict key set twice) still makes torch.load
 * fail, and ptsafe must not load such a file either.
 */
final class RebuildChecks {
    private RebuildChecks() {
    }

    /**
     * torch 1.13 _rebuild_tensor_v2 / _rebuild_qtensor set {@code tensor.requires_grad}, and
     * Parameter(data, requires_grad) does too: "only Tensors of floating point and complex dtype can
     * require gradients" for any other dtype (bool, integers, quantized).
     */
    static void requiresGrad(Call c, DType dtype, boolean requiresGrad) throws PtsafeException {
        if (requiresGrad && dtype.kind() != DType.Kind.FLOAT && dtype.kind() != DType.Kind.COMPLEX) {
            throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "requires_grad=True on a " + dtype + " tensor: torch "
                    + "refuses it (only floating point and complex tensors can require gradients)");
        }
    }

    /**
     * torch 1.13 _rebuild_tensor: {@code t.set_(storage, storage_offset, size, stride)} refuses a view
     * that reaches past the storage's bytes (numel times the element size the persistent id
     * declares), and negative strides.
     */
    static void view(Call c, StorageRef s, DType dtype, long offset, long[] shape, long[] strides)
            throws PtsafeException {
        if (dtype.isSubByte()) {
            return; // sub-byte dtypes: checked in bytes when the tensor is built
        }
        long last = 0;
        boolean empty = false;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "negative size " + shape[i] + " in dimension " + i);
            }
            if (strides[i] < 0) {
                throw c.fail(Reason.INVALID_TENSOR_ARGUMENTS, "negative stride " + strides[i] + " in dimension " + i);
            }
            empty |= shape[i] == 0;
        }
        if (empty) {
            return;
        }
        long storageBytes = s.byteSize();
        try {
            for (int i = 0; i < shape.length; i++) {
                last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, strides[i]));
            }
            long end = Math.multiplyExact(Math.addExact(Math.addExact(offset, last), 1), (long) dtype.byteSize());
            if (storageBytes < 0 || end > storageBytes) {
                throw c.fail(Reason.VIEW_OUT_OF_BOUNDS, dtype + Arrays.toString(shape) + " with strides "
                        + Arrays.toString(strides) + " at storage offset " + offset + " reaches byte " + end
                        + " of storage '" + s.key() + "', which holds " + s.numel() + " elements ("
                        + storageBytes + " bytes)");
            }
        } catch (ArithmeticException e) {
            throw c.fail(Reason.VALIDATION_OVERFLOW, "the extent of " + dtype + Arrays.toString(shape) + " with strides "
                    + Arrays.toString(strides) + " at storage offset " + offset + " overflows 64 bits");
        }
    }
}
