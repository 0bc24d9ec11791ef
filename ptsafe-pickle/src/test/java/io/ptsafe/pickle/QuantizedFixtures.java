package io.ptsafe.pickle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Quantization;
import io.ptsafe.Tensor;
import java.util.List;
import java.util.Map;

/**
 * Compares a tensor's {@link Tensor#quantization()} with the fixture's {@code quant} entry (what
 * torch's q_scale / q_per_channel_* returned), and dequantizes every element as the Quantization
 * Javadoc says, against torch's own {@code dequantize()} output ({@code dequantized}).
 */
final class QuantizedFixtures {
    private QuantizedFixtures() {
    }

    static void assertQuantization(Map<String, Object> e, Tensor t, String where) throws PtsafeException {
        if (e.get("quant") == null) {
            assertTrue(t.quantization().isEmpty(), where + " is not quantized");
            return;
        }
        Map<String, Object> q = Json.obj(e.get("quant"));
        Quantization got = t.quantization().orElseThrow(() -> new AssertionError(where + " has no quantization"));
        assertEquals(q.get("scheme"), got.scheme(), where + " scheme");
        double[] scales;
        double[] zeroPoints;
        int axis;
        switch (got) {
            case Quantization.PerTensorAffine p -> {
                assertEquals(number(q.get("scale")), p.scale(), where + " scale");
                assertEquals(((Json.Num) q.get("zero_point")).asLong(), p.zeroPoint(), where + " zero point");
                scales = new double[] {p.scale()};
                zeroPoints = new double[] {p.zeroPoint()};
                axis = -1;
            }
            case Quantization.PerChannelAffine p -> {
                axis = p.axis();
                assertEquals(((Json.Num) q.get("axis")).asLong(), axis, where + " axis");
                scales = p.scales().toDoubleArray();
                assertArrayEquals(numbers(q.get("scales")), scales, where + " scales");
                if (p.floatQParams()) {
                    assertEquals(DType.F32, p.scales().dtype());
                    float[] z = p.zeroPoints().toFloatArray();
                    zeroPoints = new double[z.length];
                    for (int i = 0; i < z.length; i++) {
                        zeroPoints[i] = z[i];
                    }
                    assertArrayEquals(numbers(q.get("zero_points")), zeroPoints, where + " zero points");
                } else {
                    assertEquals(DType.F64, p.scales().dtype());
                    long[] z = new long[(int) p.zeroPoints().numel()];
                    p.zeroPoints().copyInto(z, 0);
                    assertArrayEquals(Fixtures.longs(q.get("zero_points")), z, where + " zero points");
                    zeroPoints = new double[z.length];
                    for (int i = 0; i < z.length; i++) {
                        zeroPoints[i] = z[i];
                    }
                }
            }
        }
        List<Object> torch = Json.arr(e.get("dequantized"));
        long[] ints = integers(t, torch.size());
        long[] shape = Fixtures.longs(e.get("shape")); // torch's shape: packed types count values
        long inner = 1;
        for (int d = axis + 1; axis >= 0 && d < shape.length; d++) {
            inner *= shape[d];
        }
        for (int i = 0; i < ints.length; i++) {
            int c = axis < 0 ? 0 : (int) (i / inner % shape[axis]);
            // The roundings the Quantization Javadoc gives: per tensor in float, per channel in double.
            float real = axis < 0 ? (float) scales[0] * (ints[i] - (long) zeroPoints[0])
                    : (float) ((ints[i] - zeroPoints[c]) * scales[c]);
            assertEquals((float) number(torch.get(i)), real, where + " dequantized element " + i);
        }
    }

    /** The first {@code n} stored integers in row-major order, unpacked as the Quantization Javadoc says. */
    private static long[] integers(Tensor t, int n) throws PtsafeException {
        byte[] b = new byte[(int) t.byteSize()];
        t.copyInto(b, 0);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (t.dtype()) {
                case QINT8 -> b[i];
                case QUINT8 -> b[i] & 0xFF;
                case QINT32 -> (b[4 * i] & 0xFF) | (b[4 * i + 1] & 0xFF) << 8 | (b[4 * i + 2] & 0xFF) << 16
                        | b[4 * i + 3] << 24;
                case QUINT4X2 -> (b[i / 2] & 0xFF) >> (i % 2 * 4) & 0xF;
                case QUINT2X4 -> (b[i / 4] & 0xFF) >> (i % 4 * 2) & 0x3;
                default -> throw new AssertionError(t.dtype());
            };
        }
        return out;
    }

    private static double number(Object json) {
        return Double.parseDouble(((Json.Num) json).text());
    }

    private static double[] numbers(Object json) {
        return Json.arr(json).stream().mapToDouble(QuantizedFixtures::number).toArray();
    }
}
