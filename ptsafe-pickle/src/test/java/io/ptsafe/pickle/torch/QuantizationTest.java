package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Quantization;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.Fixtures;
import io.ptsafe.pickle.TorchZips;
import io.ptsafe.pickle.TorchZips.Pkl;
import io.ptsafe.pickle.zip.TorchZipReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-channel quantizer parameters of {@code _rebuild_qtensor} (one test per refusal, on
 * hand-assembled data.pkl files), and slicing of quantized tensors from the real torch 1.13 fixture.
 * Values of every real quantized tensor are checked against torch by {@code Fixtures.assertMatches}.
 */
class QuantizationTest {
    static final byte[] SIX = {-10, 0, 5, 22, 52, -58};
    static final Map<String, byte[]> RECORDS = Map.of("0", SIX, "f64", f64(0.5, 0.25), "i64", i64(1, -1),
            "f32", f32(0.5f, 0.25f), "f32b", f32(1, 0), "i64x3", i64(0, 0, 0));

    @TempDir
    Path dir;

    static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static byte[] f64(double... v) {
        ByteBuffer b = le(8 * v.length);
        b.asDoubleBuffer().put(v);
        return b.array();
    }

    static byte[] i64(long... v) {
        ByteBuffer b = le(8 * v.length);
        b.asLongBuffer().put(v);
        return b.array();
    }

    static byte[] f32(float... v) {
        ByteBuffer b = le(4 * v.length);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    /** 1-d {@code _rebuild_tensor_v2} of a whole storage. */
    static UnaryOperator<Pkl> vector(String storageClass, String key, int n) {
        return p -> p.tensorV2(storageClass, key, n, 0, new int[] {n}, new int[] {1});
    }

    static final UnaryOperator<Pkl> F64 = vector("torch.DoubleStorage", "f64", 2);
    static final UnaryOperator<Pkl> I64 = vector("torch.LongStorage", "i64", 2);

    /** _rebuild_qtensor(QInt8Storage of 6, 0, (2, 3), (3, 1), (scheme, scales, zero_points, axis), False, {}). */
    static byte[] qtensor(String scheme, UnaryOperator<Pkl> scales, UnaryOperator<Pkl> zeroPoints, int axis) {
        Pkl p = new Pkl().global("torch._utils._rebuild_qtensor").op('(')
                .storage("torch.QInt8Storage", "0", 6).integer(0).ints(2, 3).ints(3, 1)
                .op('(').global(scheme);
        zeroPoints.apply(scales.apply(p)).integer(axis).op('t');
        return p.op(0x89).emptyOrderedDict().op('t', 'R').stop();
    }

    TensorFile open(byte[] pkl) throws Exception {
        return TorchZipReader.open(TorchZips.checkpoint(dir.resolve("q.pt"), pkl, RECORDS), LoadOptions.defaults());
    }

    Reason refusal(byte[] pkl) {
        return assertThrows(PtsafeException.class, () -> open(pkl).close()).reason();
    }

    @Test
    void zeroPointDtypeDecidesTheSchemeAsInTorch() throws Exception {
        // torch pickles float qparams as per_channel_affine and its quantizer looks at the zero points'
        // dtype; the same holds the other way round.
        try (TensorFile f = open(qtensor("torch.per_channel_affine_float_qparams", F64, I64, 0))) {
            Quantization.PerChannelAffine q = assertInstanceOf(Quantization.PerChannelAffine.class,
                    f.tensor("").quantization().orElseThrow());
            assertEquals("per_channel_affine", q.scheme());
            assertFalse(q.floatQParams());
            assertArrayEquals(new double[] {0.5, 0.25}, q.scales().toDoubleArray());
            assertEquals(".q_per_channel_scales", q.scales().name());
        }
        try (TensorFile f = open(qtensor("torch.per_channel_affine", vector("torch.FloatStorage", "f32", 2),
                vector("torch.FloatStorage", "f32b", 2), 0))) {
            assertEquals("per_channel_affine_float_qparams", f.tensor("").quantization().orElseThrow().scheme());
        }
    }

    @Test
    void listsOfScalesAreUnsupported() {
        assertEquals(Reason.UNSUPPORTED_FORMAT, refusal(qtensor("torch.per_channel_affine",
                p -> p.op(']'), p -> p.op(']'), 0)));
    }

    @Test
    void scalesThatAreNotTensorsAreInvalid() {
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, refusal(qtensor("torch.per_channel_affine",
                p -> p.integer(1), I64, 0)));
    }

    @Test
    void scalesThatAreNotOneDimensionalAreInvalid() {
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, refusal(qtensor("torch.per_channel_affine",
                p -> p.tensorV2("torch.DoubleStorage", "f64", 2, 0, new int[] {2, 1}, new int[] {1, 1}), I64, 0)));
    }

    @Test
    void channelCountMustBeTheSizeAlongAxis() {
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, refusal(qtensor("torch.per_channel_affine",
                F64, I64, 1)));
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, refusal(qtensor("torch.per_channel_affine",
                F64, vector("torch.LongStorage", "i64x3", 3), 0)));
    }

    @Test
    void axisOutsideTheDimensionsIsInvalid() {
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, refusal(qtensor("torch.per_channel_affine", F64, I64, 2)));
    }

    @Test
    void integerScalesAreInvalid() {
        // torch: "scale tensor must be floating point"
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, refusal(qtensor("torch.per_channel_affine", I64, I64, 0)));
    }

    @Test
    void dtypesTorchNeverSavesAreUnsupported() {
        // torch would convert F32 scales to double; torch.save only writes its quantizer's own F64 / I64.
        assertEquals(Reason.UNSUPPORTED_FORMAT, refusal(qtensor("torch.per_channel_affine",
                vector("torch.FloatStorage", "f32", 2), I64, 0)));
    }

    @Test
    void slicesKeepTheQuantizationAndSliceChannelsAlongAxisZero() throws Exception {
        try (TensorFile f = TorchZipReader.open(Fixtures.REAL.resolve("quantized_per_channel.pt"), LoadOptions.defaults())) {
            Quantization.PerChannelAffine rows = (Quantization.PerChannelAffine) f.tensor("weight").slice(1, 2)
                    .quantization().orElseThrow();
            assertEquals(0, rows.axis());
            assertArrayEquals(new double[] {0.05}, rows.scales().toDoubleArray());
            long[] zp = new long[1];
            rows.zeroPoints().copyInto(zp, 0);
            assertArrayEquals(new long[] {2}, zp);

            Tensor axis1 = f.tensor("weight_axis1");
            Quantization.PerChannelAffine columns = (Quantization.PerChannelAffine) axis1.slice(0, 1)
                    .quantization().orElseThrow();
            assertSame(((Quantization.PerChannelAffine) axis1.quantization().orElseThrow()).scales(), columns.scales());

            Quantization.PerChannelAffine packed = (Quantization.PerChannelAffine) f.tensor("embedding_4bit")
                    .slice(1, 2).quantization().orElseThrow();
            assertArrayEquals(new double[] {0.5}, packed.scales().toDoubleArray());
        }
        try (TensorFile f = TorchZipReader.open(Fixtures.REAL.resolve("quantized.pt"), LoadOptions.defaults())) {
            Tensor t = f.tensor("qint8_t");
            assertEquals(t.quantization(), t.slice(1, 3).quantization());
        }
    }
}
