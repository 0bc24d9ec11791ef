package io.ptsafe.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.ptsafe.DType;
import io.ptsafe.Quantization;
import io.ptsafe.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/** One tensor to one NDArray, by the options: the only place ptsafe-djl creates arrays from file bytes. */
final class Conversion {
    private Conversion() {
    }

    /**
     * {@return the DJL type the tensor becomes under the options, or empty when it is refused}
     *
     * @param manager whose engine will hold it
     */
    static Optional<DataType> target(NDManager manager, Tensor t, DjlOptions o) {
        DType d = t.dtype();
        if (d.kind() == DType.Kind.QUANTIZED) {
            return o.dequantize() && EngineTypes.dequantizes(d) ? Optional.of(DataType.FLOAT32) : Optional.empty();
        }
        Optional<DataType> exact = EngineTypes.exact(d);
        if (exact.isPresent()) {
            return exact;
        }
        return o.widen() ? EngineTypes.widened(d) : Optional.empty();
    }

    /** {@return why the tensor has no DJL type under the options, for messages} */
    static String refusal(NDManager manager, Tensor t, DjlOptions o) {
        DType d = t.dtype();
        String engine = manager.getEngine().getEngineName();
        if (d.kind() == DType.Kind.QUANTIZED) {
            return d + " is quantized (" + t.quantization().map(Quantization::scheme).orElse("no quantizer") + ")"
                    + (EngineTypes.dequantizes(d) ? "; DjlOptions.dequantize(true) converts it to FLOAT32 as torch's dequantize() does"
                            : "; ptsafe-djl does not dequantize packed dtypes");
        }
        return d + " has no " + engine + " engine type"
                + (EngineTypes.widened(d).map(w -> o.widen() ? "" : "; DjlOptions.widen(true) converts it to " + w.name() + " exactly")
                        .orElse(" and does not widen exactly"));
    }

    /**
     * The tensor as an NDArray named as the tensor, per {@link DjlOptions#memory()}.
     *
     * @throws UnsupportedOperationException naming the tensor when its dtype is refused, or it is too
     *         large for DJL ({@code NDManager.create} takes at most 2^31 - 1 bytes), or the platform is
     *         big-endian
     */
    static NDArray toNDArray(NDManager manager, Tensor t, DjlOptions o) {
        DataType type = target(manager, t, o).orElseThrow(() -> new UnsupportedOperationException(
                where(t) + ": " + refusal(manager, t, o)));
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new UnsupportedOperationException(where(t) + ": engines read native byte order and this platform is "
                    + "big-endian; ptsafe-djl supports little-endian platforms (those DJL ships engines for)");
        }
        Shape shape = new Shape(t.shape());
        NDArray array;
        if (t.dtype().kind() == DType.Kind.QUANTIZED) {
            array = owned(manager.create(Dequantize.toFloats(t), shape));
        } else if (type != EngineTypes.exact(t.dtype()).orElse(null)) {
            array = owned(widen(manager, t, type, shape));
        } else {
            if (t.byteSize() > Integer.MAX_VALUE) {
                throw new UnsupportedOperationException(where(t) + " has " + t.byteSize() + " bytes; DJL's NDManager.create "
                        + "takes at most " + Integer.MAX_VALUE + " bytes an array");
            }
            // A direct buffer over the mapping: the PyTorch engine wraps it with torch::from_blob, no copy
            // (PtNDManager.create -> JniUtils.createNdFromByteBuffer -> torchFromBlob).
            ByteBuffer bytes = t.asByteBuffer();
            NDArray view = manager.create(bytes, shape, type);
            array = o.memory() == Memory.READ_ONLY_VIEW ? view : owned(view);
        }
        array.setName(t.name());
        return array;
    }

    /** A copy the engine allocates and owns ({@code clone()} on the PyTorch engine); closes the source. */
    private static NDArray owned(NDArray source) {
        try (source) {
            return source.duplicate();
        }
    }

    private static NDArray widen(NDManager manager, Tensor t, DataType type, Shape shape) {
        return switch (type) {
            case FLOAT32 -> manager.create(t.toFloatArray(), shape);
            case INT32 -> manager.create(t.toIntArray(), shape);
            case INT64 -> manager.create(t.toLongArray(), shape);
            default -> throw new IllegalStateException(type.toString());
        };
    }

    static String where(Tensor t) {
        return (t.file() == null ? "" : t.file() + ": ") + "tensor '" + t.name() + "'";
    }
}
