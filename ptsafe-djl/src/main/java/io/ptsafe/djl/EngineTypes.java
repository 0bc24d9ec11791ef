package io.ptsafe.djl;

import ai.djl.ndarray.types.DataType;
import io.ptsafe.DType;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which ptsafe dtypes an engine holds as which DJL {@link DataType}, as a table.
 *
 * <p>DJL's {@code DataType} names more types (BFLOAT16, INT16, UINT16, UINT32, UINT64, COMPLEX64)
 * than its PyTorch engine can create: DJL 0.36's native {@code GetScalarTypeFromDType}
 * (engines/pytorch/pytorch-native/src/main/native/djl_pytorch_utils.h) maps only the ordinals of
 * FLOAT32, FLOAT64, FLOAT16, UINT8, INT32, INT8, INT64, BOOLEAN and COMPLEX64, and ends every other
 * one in a bare {@code throw;}, which terminates the process. So only those are handed to an engine;
 * COMPLEX64 is left out as well, because DJL counts it as 4 bytes an element
 * ({@code DataType.COMPLEX64.getNumOfBytes()}) where torch stores 8. Other engines get the same
 * table: failing closed costs a widening, guessing wrong costs the JVM.
 */
final class EngineTypes {
    private static final Map<DType, DataType> NATIVE = new EnumMap<>(DType.class);
    private static final Map<DataType, DType> BACK = new EnumMap<>(DataType.class);

    static {
        NATIVE.put(DType.F32, DataType.FLOAT32);
        NATIVE.put(DType.F64, DataType.FLOAT64);
        NATIVE.put(DType.F16, DataType.FLOAT16);
        NATIVE.put(DType.U8, DataType.UINT8);
        NATIVE.put(DType.I32, DataType.INT32);
        NATIVE.put(DType.I8, DataType.INT8);
        NATIVE.put(DType.I64, DataType.INT64);
        NATIVE.put(DType.BOOL, DataType.BOOLEAN);
        NATIVE.forEach((d, t) -> BACK.put(t, d));
        // Written back only: an engine that holds them can hand them to the writer.
        BACK.put(DataType.BFLOAT16, DType.BF16);
        BACK.put(DataType.INT16, DType.I16);
        BACK.put(DataType.UINT16, DType.U16);
        BACK.put(DataType.UINT32, DType.U32);
        BACK.put(DataType.UINT64, DType.U64);
    }

    private EngineTypes() {
    }

    /** {@return the type an engine holds the dtype as, without conversion, or empty} */
    static Optional<DataType> exact(DType dtype) {
        return Optional.ofNullable(NATIVE.get(dtype));
    }

    /** {@return the dtype safetensors stores a DJL type as, or empty} */
    static Optional<DType> dtype(DataType type) {
        return Optional.ofNullable(BACK.get(type));
    }

    /** {@return the type widening gives, or empty when the dtype does not widen exactly} */
    static Optional<DataType> widened(DType dtype) {
        return switch (dtype) {
            case BF16, F8_E5M2, F8_E4M3, F8_E8M0, F8_E4M3FNUZ, F8_E5M2FNUZ -> Optional.of(DataType.FLOAT32);
            case I16, U16 -> Optional.of(DataType.INT32);
            case U32 -> Optional.of(DataType.INT64);
            default -> Optional.empty();
        };
    }

    /** {@return whether ptsafe-djl can dequantize the dtype} */
    static boolean dequantizes(DType dtype) {
        return dtype == DType.QINT8 || dtype == DType.QUINT8 || dtype == DType.QINT32;
    }
}
