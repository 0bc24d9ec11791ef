package io.ptsafe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QuantizationTest {
    static Tensor f64(double... v) throws PtsafeException {
        return Tensor.of("scales", DType.F64, new long[] {v.length}, MemorySegment.ofArray(v));
    }

    static Tensor i64(long... v) throws PtsafeException {
        return Tensor.of("zero_points", DType.I64, new long[] {v.length}, MemorySegment.ofArray(v));
    }

    static Tensor f32(float... v) throws PtsafeException {
        return Tensor.of("zero_points", DType.F32, new long[] {v.length}, MemorySegment.ofArray(v));
    }

    static Tensor.Builder qint8(long... shape) {
        return Tensor.builder("q", DType.QINT8, shape, MemorySegment.ofArray(new byte[] {-10, 0, 5, 22, 52, -58}));
    }

    @Test
    void perChannelParametersMustAgree() throws Exception {
        var ok = new Quantization.PerChannelAffine(f64(0.1, 0.2), i64(0, 1), 0);
        assertEquals("per_channel_affine", ok.scheme());
        assertEquals(2, ok.channels());
        var fq = new Quantization.PerChannelAffine(f32(0.1f, 0.2f), f32(0.5f, 1), 1);
        assertEquals("per_channel_affine_float_qparams", fq.scheme());
        assertTrue(fq.floatQParams());
        assertThrows(IllegalArgumentException.class, () -> new Quantization.PerChannelAffine(f64(0.1), i64(0, 1), 0));
        assertThrows(IllegalArgumentException.class, () -> new Quantization.PerChannelAffine(f32(0.1f), i64(0), 0));
        assertThrows(IllegalArgumentException.class, () -> new Quantization.PerChannelAffine(f64(0.1), i64(0), -1));
        Tensor matrix = Tensor.of("m", DType.F64, new long[] {1, 1}, MemorySegment.ofArray(new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> new Quantization.PerChannelAffine(matrix, i64(0), 0));
    }

    @Test
    void builderChecksTheQuantizationAgainstDtypeAndShape() throws Exception {
        assertEquals(Optional.empty(), qint8(2, 3).build().quantization());
        Quantization perTensor = new Quantization.PerTensorAffine(0.05, -3);
        assertEquals(Optional.of(perTensor), qint8(2, 3).quantization(perTensor).build().quantization());
        PtsafeException notQuantized = assertThrows(PtsafeException.class, () -> Tensor.builder("f", DType.F32,
                new long[] {1}, MemorySegment.ofArray(new float[1])).quantization(perTensor).build());
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, notQuantized.reason());
        Quantization axis2 = new Quantization.PerChannelAffine(f64(1, 1), i64(0, 0), 2);
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS,
                assertThrows(PtsafeException.class, () -> qint8(2, 3).quantization(axis2).build()).reason());
        Quantization threeChannels = new Quantization.PerChannelAffine(f64(1, 1, 1), i64(0, 0, 0), 0);
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS,
                assertThrows(PtsafeException.class, () -> qint8(2, 3).quantization(threeChannels).build()).reason());
        // quint4x2 along its last dimension: the shape counts 3 bytes, the channels 6 values
        Quantization packedChannels = new Quantization.PerChannelAffine(f64(1, 1, 1, 1, 1, 1), i64(0, 0, 0, 0, 0, 0), 0);
        Tensor.builder("p", DType.QUINT4X2, new long[] {3}, MemorySegment.ofArray(new byte[3]))
                .quantization(packedChannels).build();
    }

    @Test
    void sliceKeepsTheQuantizationAndSlicesChannelsAlongAxisZero() throws Exception {
        Quantization perTensor = new Quantization.PerTensorAffine(0.05, -3);
        assertSame(perTensor, qint8(2, 3).quantization(perTensor).build().slice(1, 2).quantization().orElseThrow());

        Tensor rows = qint8(2, 3).quantization(new Quantization.PerChannelAffine(f64(0.1, 0.05), i64(0, 2), 0)).build();
        var sliced = (Quantization.PerChannelAffine) rows.slice(1, 2).quantization().orElseThrow();
        assertArrayEquals(new double[] {0.05}, sliced.scales().toDoubleArray());
        long[] zp = new long[1];
        sliced.zeroPoints().copyInto(zp, 0);
        assertArrayEquals(new long[] {2}, zp);

        Quantization columns = new Quantization.PerChannelAffine(f64(1, 2, 3), i64(0, 0, 0), 1);
        assertSame(columns, qint8(2, 3).quantization(columns).build().slice(0, 1).quantization().orElseThrow());

        Quantization packedChannels = new Quantization.PerChannelAffine(f64(1, 1, 1, 1), i64(0, 0, 0, 0), 0);
        Tensor packed = Tensor.builder("p", DType.QUINT4X2, new long[] {2}, MemorySegment.ofArray(new byte[2]))
                .quantization(packedChannels).build();
        assertThrows(IllegalArgumentException.class, () -> packed.slice(0, 1));
    }

    @Test
    void slicingAlongThePerChannelAxisSlicesItsParameters() throws Exception {
        var channels = new Quantization.PerChannelAffine(f64(0.1, 0.2, 0.3), i64(-1, 0, 1), 1);
        Tensor q = qint8(2, 3).quantization(channels).build();
        Tensor s = q.slice(Slice.all(), Slice.range(0, 3, 2)); // q[:, ::2]
        assertArrayEquals(new long[] {2, 2}, s.shape());
        assertArrayEquals(new byte[] {-10, 5, 22, -58}, s.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        var sliced = (Quantization.PerChannelAffine) s.quantization().orElseThrow();
        assertEquals(1, sliced.axis());
        assertArrayEquals(new double[] {0.1, 0.3}, sliced.scales().toDoubleArray());
        assertArrayEquals(new long[] {-1, 1}, sliced.zeroPoints().toLongArray());
        // rows leave the per-channel parameters of axis 1 whole
        assertEquals(channels, q.slice(0, 1).quantization().orElseThrow());
    }
}
