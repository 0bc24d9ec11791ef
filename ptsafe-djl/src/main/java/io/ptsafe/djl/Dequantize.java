package io.ptsafe.djl;

import io.ptsafe.DType;
import io.ptsafe.Quantization;
import io.ptsafe.Tensor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * torch's {@code dequantize()} of QINT8, QUINT8 and QINT32 tensors, rounding exactly as
 * {@link Quantization} documents (ATen's {@code dequantize_val} per tensor, in float;
 * {@code dequantize_per_channel_affine_kernel} per channel, in double then rounded).
 */
final class Dequantize {
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Dequantize() {
    }

    static float[] toFloats(Tensor t) {
        if (t.numel() > Integer.MAX_VALUE - 8) {
            throw new UnsupportedOperationException(Conversion.where(t) + " has " + t.numel()
                    + " elements, too many to dequantize into a float[]");
        }
        Quantization q = t.quantization().orElseThrow(() -> new UnsupportedOperationException(
                Conversion.where(t) + " is " + t.dtype() + " with no quantizer"));
        MemorySegment data = t.data();
        int n = (int) t.numel();
        float[] out = new float[n];
        switch (q) {
            case Quantization.PerTensorAffine p -> {
                float scale = (float) p.scale();
                for (int i = 0; i < n; i++) {
                    out[i] = scale * (value(t.dtype(), data, i) - p.zeroPoint());
                }
            }
            case Quantization.PerChannelAffine p -> {
                double[] scales = p.scales().toDoubleArray();
                double[] zeros = p.floatQParams() ? p.zeroPoints().toDoubleArray() : longsAsDoubles(p.zeroPoints());
                long[] shape = t.shape();
                long inner = 1;
                for (int d = p.axis() + 1; d < shape.length; d++) {
                    inner *= shape[d];
                }
                long channels = shape[p.axis()];
                for (int i = 0; i < n; i++) {
                    int c = (int) ((i / inner) % channels);
                    out[i] = (float) ((value(t.dtype(), data, i) - zeros[c]) * scales[c]);
                }
            }
        }
        return out;
    }

    private static double[] longsAsDoubles(Tensor t) {
        long[] v = t.toLongArray();
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static long value(DType dtype, MemorySegment data, int i) {
        return switch (dtype) {
            case QINT8 -> data.get(ValueLayout.JAVA_BYTE, i);
            case QUINT8 -> Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, i));
            case QINT32 -> data.getAtIndex(I32_LE, i);
            default -> throw new IllegalStateException(dtype.toString());
        };
    }
}
