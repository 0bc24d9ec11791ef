package io.ptsafe.pickle.torch;

import io.ptsafe.DType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** torch's storage classes and dtypes, by the names pickles use, and the {@link DType} of each. */
final class TorchTypes {
    private TorchTypes() {
    }

    /** Legacy typed storage classes ({@code torch.FloatStorage}): numel counts elements of this dtype. */
    static final Map<String, DType> STORAGES = ordered(
            "DoubleStorage", DType.F64, "FloatStorage", DType.F32, "HalfStorage", DType.F16,
            "BFloat16Storage", DType.BF16, "LongStorage", DType.I64, "IntStorage", DType.I32,
            "ShortStorage", DType.I16, "CharStorage", DType.I8, "ByteStorage", DType.U8, "BoolStorage", DType.BOOL,
            "ComplexDoubleStorage", DType.C128, "ComplexFloatStorage", DType.C64,
            "QInt8Storage", DType.QINT8, "QInt32Storage", DType.QINT32, "QUInt8Storage", DType.QUINT8,
            "QUInt4x2Storage", DType.QUINT4X2, "QUInt2x4Storage", DType.QUINT2X4);

    /** Storage classes torch also had under {@code torch.cuda} (legacy files saved from a GPU). */
    static final List<String> CUDA_STORAGES = List.of("DoubleStorage", "FloatStorage", "HalfStorage",
            "BFloat16Storage", "LongStorage", "IntStorage", "ShortStorage", "CharStorage", "ByteStorage",
            "BoolStorage", "ComplexDoubleStorage", "ComplexFloatStorage");

    /** torch dtypes by their name in {@code torch} ({@code str(torch.float32)} is "torch.float32"). */
    static final Map<String, DType> DTYPES = ordered(
            "float64", DType.F64, "float32", DType.F32, "float16", DType.F16, "bfloat16", DType.BF16,
            "int64", DType.I64, "int32", DType.I32, "int16", DType.I16, "int8", DType.I8, "uint8", DType.U8,
            "uint16", DType.U16, "uint32", DType.U32, "uint64", DType.U64, "bool", DType.BOOL,
            "complex32", DType.C32, "complex64", DType.C64, "complex128", DType.C128,
            "qint8", DType.QINT8, "quint8", DType.QUINT8, "qint32", DType.QINT32,
            "quint4x2", DType.QUINT4X2, "quint2x4", DType.QUINT2X4,
            "float8_e4m3fn", DType.F8_E4M3, "float8_e5m2", DType.F8_E5M2,
            "float8_e4m3fnuz", DType.F8_E4M3FNUZ, "float8_e5m2fnuz", DType.F8_E5M2FNUZ,
            "float8_e8m0fnu", DType.F8_E8M0);

    /**
     * dtypes torch's restricted unpickler allows that ptsafe can name but not load tensors of: bit
     * containers and packed sub-byte types whose element layout ptsafe does not define.
     */
    static final List<String> OTHER_DTYPES = List.of("bits8", "bits16", "bits1x8", "bits2x4", "bits4x2",
            "float4_e2m1fn_x2", "uint1", "uint2", "uint3", "uint4", "uint5", "uint6", "uint7",
            "int1", "int2", "int3", "int4", "int5", "int6", "int7");

    /**
     * The dense tensor classes ({@code torch.FloatTensor}) and the dtype of the empty tensor calling
     * one makes (torch 1.13 {@code torch/csrc/tensor/python_tensor.cpp}: each is a legacy type
     * object for its scalar type): {@code new_type} of {@code _rebuild_from_type_v2}, and the
     * tensor class before 0.4 pickles called ({@link LegacyTensor}).
     */
    static final Map<String, DType> TENSOR_CLASSES = ordered("DoubleTensor", DType.F64, "FloatTensor", DType.F32,
            "HalfTensor", DType.F16, "BFloat16Tensor", DType.BF16, "LongTensor", DType.I64, "IntTensor", DType.I32,
            "ShortTensor", DType.I16, "CharTensor", DType.I8, "ByteTensor", DType.U8, "BoolTensor", DType.BOOL);

    /** Quantization schemes. */
    static final List<String> QSCHEMES = List.of("per_tensor_affine", "per_tensor_symmetric", "per_channel_affine",
            "per_channel_symmetric", "per_channel_affine_float_qparams");

    private static Map<String, DType> ordered(Object... kv) {
        Map<String, DType> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (DType) kv[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
