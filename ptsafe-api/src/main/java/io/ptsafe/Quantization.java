package io.ptsafe;

import java.util.Objects;

/**
 * How the stored integers of a quantized tensor ({@link DType.Kind#QUANTIZED}) map to real numbers:
 * torch's quantizer, as {@link Tensor#quantization()} gives it.
 *
 * <p>Every scheme torch saves is affine, and torch's {@code dequantize()} computes, for each stored
 * integer {@code q}:
 * <pre>{@code real = (q - zeroPoint) * scale}</pre>
 * with one {@code (scale, zeroPoint)} for the whole tensor ({@link PerTensorAffine}), or the pair of
 * channel {@code c} for the elements whose index along {@link PerChannelAffine#axis()} is {@code c}
 * ({@link PerChannelAffine}). That holds for {@code per_channel_affine_float_qparams} too, whose zero
 * point is a float in units of {@code q} (it is not {@code q * scale + zeroPoint}): ATen's
 * {@code dequantize_per_channel_affine_kernel} serves both per-channel schemes. torch returns
 * float32, rounding as follows (these Java expressions give torch 1.13's results bit for bit on the
 * test fixtures):
 * <ul>
 *   <li>per tensor, in float: {@code (float) scale * (q - zeroPoint)} (the scale is rounded to float
 *       first, as ATen's {@code dequantize_val} does);</li>
 *   <li>per channel, in double then rounded: {@code (float) ((q - zeroPoints[c]) * scales[c])}.</li>
 * </ul>
 *
 * <p>{@code q} is read from {@link Tensor#data()}: a signed byte for {@link DType#QINT8}, an unsigned
 * byte for {@link DType#QUINT8}, a little-endian signed int for {@link DType#QINT32}. {@link DType#QUINT4X2}
 * and {@link DType#QUINT2X4} pack 2 or 4 unsigned values to a byte: torch's kernels pack the values
 * in row-major order without regard to rows, value {@code i} being bits {@code [(i % n) * b, (i % n + 1) * b)}
 * of byte {@code i / n} ({@code n} values of {@code b} bits per byte, lowest bits first).
 */
public sealed interface Quantization permits Quantization.PerTensorAffine, Quantization.PerChannelAffine {

    /**
     * {@return torch's name of the scheme: {@code per_tensor_affine}, {@code per_channel_affine} or
     * {@code per_channel_affine_float_qparams}}
     */
    String scheme();

    /**
     * torch's {@code per_tensor_affine}: {@code real = (q - zeroPoint) * scale} for every element.
     *
     * @param scale the scale, as saved ({@code q_scale()})
     * @param zeroPoint the zero point, as saved ({@code q_zero_point()})
     */
    record PerTensorAffine(double scale, long zeroPoint) implements Quantization {
        @Override
        public String scheme() {
            return "per_tensor_affine";
        }
    }

    /**
     * torch's {@code per_channel_affine} and {@code per_channel_affine_float_qparams}: element with
     * index {@code c} along {@code axis} is {@code real = (q - zeroPoints[c]) * scales[c]}.
     *
     * <p>The scales and zero points are 1-dimensional tensors over the file's storages, exactly as
     * torch saved them ({@code q_per_channel_scales()}, {@code q_per_channel_zero_points()}), not
     * copies: loading allocates nothing for them, so a file cannot make a load expensive by giving
     * many tensors (or a stride-0 view) a huge channel count, and they close with the file. Read
     * them with {@link Tensor#toDoubleArray()} and {@link Tensor#copyInto(long[], int)} or
     * {@link Tensor#toFloatArray()}. Their dtypes are the two pairs torch's quantizer keeps, and
     * tell the two schemes apart, as in torch (which pickles both as {@code per_channel_affine}):
     * <ul>
     *   <li>{@code per_channel_affine}: scales {@link DType#F64}, zero points {@link DType#I64};</li>
     *   <li>{@code per_channel_affine_float_qparams}: scales and zero points {@link DType#F32}.</li>
     * </ul>
     *
     * <p>{@code scales.numel()} is the tensor's size along {@code axis} (for {@link DType#QUINT4X2}
     * and {@link DType#QUINT2X4} quantized along their last dimension: the number of packed values,
     * while the shape counts bytes).
     *
     * @param scales the scale of each channel: F64, or F32 for float qparams
     * @param zeroPoints the zero point of each channel: I64, or F32 for float qparams
     * @param axis the dimension the channels run along
     */
    record PerChannelAffine(Tensor scales, Tensor zeroPoints, int axis) implements Quantization {
        /**
         * Checks the parameters agree with each other.
         *
         * @throws IllegalArgumentException if the tensors are not 1-dimensional, differ in length,
         *         are not one of the two dtype pairs, or {@code axis} is negative
         */
        public PerChannelAffine {
            Objects.requireNonNull(scales, "scales");
            Objects.requireNonNull(zeroPoints, "zeroPoints");
            if (scales.rank() != 1 || zeroPoints.rank() != 1 || scales.numel() != zeroPoints.numel()) {
                throw new IllegalArgumentException("scales and zero points must be 1-dimensional tensors of one "
                        + "length, got " + scales + " and " + zeroPoints);
            }
            boolean affine = scales.dtype() == DType.F64 && zeroPoints.dtype() == DType.I64;
            boolean floatQParams = scales.dtype() == DType.F32 && zeroPoints.dtype() == DType.F32;
            if (!affine && !floatQParams) {
                throw new IllegalArgumentException("scales and zero points must be F64 and I64, or F32 and F32, got "
                        + scales.dtype() + " and " + zeroPoints.dtype());
            }
            if (axis < 0) {
                throw new IllegalArgumentException("negative axis " + axis);
            }
        }

        /** {@return whether the zero points are floats ({@code per_channel_affine_float_qparams})} */
        public boolean floatQParams() {
            return zeroPoints.dtype() == DType.F32;
        }

        /** {@return the number of channels: the length of the scales and of the zero points} */
        public long channels() {
            return scales.numel();
        }

        @Override
        public String scheme() {
            return floatQParams() ? "per_channel_affine_float_qparams" : "per_channel_affine";
        }
    }
}
