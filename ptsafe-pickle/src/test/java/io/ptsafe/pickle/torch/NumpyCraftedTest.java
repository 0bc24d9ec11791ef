package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.Limit;
import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.TorchZips;
import io.ptsafe.pickle.TorchZips.Pkl;
import io.ptsafe.scan.ScanReport.Verdict;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crafted numpy values in a torch zip: each departure from what numpy's own {@code __reduce__}
 * writes, and each size that does not add up, is refused with its reason; the scan never says SAFE
 * where opening refuses.
 */
class NumpyCraftedTest {
    @TempDir
    Path dir;

    private static final String F4 = "\u0000\u0000\u0080?\u0000\u0000\u0000@"; // 1.0f, 2.0f little-endian

    /** {'a': value}. */
    private Path file(String name, Consumer<Pkl> value) throws Exception {
        Pkl p = new Pkl();
        p.op('}').str("a");
        value.accept(p);
        p.op('s');
        return TorchZips.checkpoint(dir.resolve(name), p.stop(), Map.of());
    }

    /** bytes as protocol 2 writes them: _codecs.encode(latin1 text, 'latin1'). */
    private static void bytes(Pkl p, String latin1) {
        p.global("_codecs.encode").tuple(() -> p.str(latin1).str("latin1")).op('R');
    }

    private static void bigInt(Pkl p, BigInteger v) {
        byte[] be = v.toByteArray();
        p.op(0x8a, be.length);
        for (int i = be.length - 1; i >= 0; i--) {
            p.op(be[i] & 0xff);
        }
    }

    private static void dtype(Pkl p, String code, String endian, int version) {
        p.global("numpy.dtype").tuple(() -> p.str(code).op(0x89, 0x88)).op('R');
        p.tuple(() -> p.integer(version).str(endian).op('N', 'N', 'N').integer(-1).integer(-1).integer(0)).op('b');
    }

    private static void array(Pkl p, Consumer<Pkl> shape, String code, String endian, boolean fortran, String data) {
        p.global("numpy.core.multiarray._reconstruct").tuple(() -> {
            p.global("numpy.ndarray").ints(0);
            bytes(p, "b");
        }).op('R');
        p.tuple(() -> {
            p.integer(1);
            shape.accept(p);
            dtype(p, code, endian, 3);
            p.op(fortran ? 0x88 : 0x89);
            bytes(p, data);
        }).op('b');
    }

    private PtsafeException refused(Path f, Reason reason, String text) {
        PtsafeException e = assertThrows(PtsafeException.class, () -> SafeLoader.open(f).close());
        assertEquals(reason, e.reason(), e::getMessage);
        assertTrue(e.getMessage().contains(text), e::getMessage);
        assertNotEquals(Verdict.SAFE, SafeLoader.scan(f).verdict(), () -> SafeLoader.scan(f).toString());
        return e;
    }

    @Test
    void theBaselineLoads() throws Exception {
        Path f = file("ok.pt", p -> array(p, q -> q.ints(2), "f4", "<", false, F4));
        try (TensorFile t = SafeLoader.open(f)) {
            assertArrayEquals(new float[] {1, 2}, t.tensor("a").toFloatArray());
        }
        assertEquals(Verdict.SAFE, SafeLoader.scan(f).verdict());
    }

    @Test
    void bigEndianIsSwappedOnReading() throws Exception {
        Path f = file("be.pt", p -> array(p, q -> q.ints(2), "i4", ">", false, "\u0000\u0000\u0001\u0002\u0080\u0000\u0000\u0000"));
        try (TensorFile t = SafeLoader.open(f)) {
            assertArrayEquals(new int[] {0x102, 0x80000000}, t.tensor("a").toIntArray());
        }
    }

    @Test
    void dataShorterOrLongerThanTheShapeIsRefused() throws Exception {
        refused(file("short.pt", p -> array(p, q -> q.ints(3), "f4", "<", false, F4)),
                Reason.INVALID_TENSOR_ARGUMENTS, "needs 12 bytes, its data holds 8");
        refused(file("long.pt", p -> array(p, q -> q.ints(1), "f4", "<", false, F4)),
                Reason.INVALID_TENSOR_ARGUMENTS, "needs 4 bytes, its data holds 8");
        refused(file("huge.pt", p -> array(p, q -> q.ints(1 << 30, 1 << 30), "f4", "<", false, F4)),
                Reason.INVALID_TENSOR_ARGUMENTS, "needs 4611686018427387904 bytes, its data holds 8");
    }

    @Test
    void aShapeWhoseByteCountOverflowsIsRefused() throws Exception {
        BigInteger big = BigInteger.ONE.shiftLeft(62);
        refused(file("overflow.pt", p -> array(p, q -> q.tuple(() -> {
            bigInt(q, big);
            bigInt(q, big);
        }), "f4", "<", false, F4)), Reason.VALIDATION_OVERFLOW, "overflows 64 bits");
        refused(file("negative.pt", p -> array(p, q -> q.ints(-2), "f4", "<", false, F4)),
                Reason.INVALID_TENSOR_ARGUMENTS, "shape must be a tuple of ints from 0");
    }

    @Test
    void tooManyDimensionsIsALimit() throws Exception {
        Path f = file("rank.pt", p -> array(p, q -> q.ints(1, 1, 1, 1, 2), "f4", "<", false, F4));
        LimitExceededException e = assertThrows(LimitExceededException.class,
                () -> SafeLoader.open(f, LoadOptions.builder().maxRank(4).build()).close());
        assertEquals(Limit.MAX_RANK, e.limitKind());
    }

    @Test
    void byteOrdersNumpyDoesNotWriteAreRefused() throws Exception {
        refused(file("native.pt", p -> array(p, q -> q.ints(2), "f4", "=", false, F4)),
                Reason.UNSUPPORTED_FORMAT, "byte order '='");
        refused(file("pipe.pt", p -> array(p, q -> q.ints(2), "f4", "|", false, F4)),
                Reason.UNSUPPORTED_FORMAT, "byte order '|'");
    }

    @Test
    void dtypeStatesNumpyDoesNotWriteForNumbersAreRefused() throws Exception {
        refused(file("v4.pt", p -> dtype(p, "f4", "<", 4)), Reason.UNSUPPORTED_FORMAT, "state must be (3, endian");
        refused(file("longdouble.pt", p -> dtype(p, "f16", "<", 3)), Reason.UNSUPPORTED_FORMAT, "numpy dtype 'f16'");
    }

    @Test
    void anArrayWithoutItsStateIsRefused() throws Exception {
        refused(file("nobuild.pt", p -> p.global("numpy.core.multiarray._reconstruct").tuple(() -> {
            p.global("numpy.ndarray").ints(0);
            bytes(p, "b");
        }).op('R')), Reason.MALFORMED_PICKLE, "state was never set");
    }

    @Test
    void anotherClassThanNdarrayIsRefused() throws Exception {
        refused(file("subclass.pt", p -> p.global("numpy.core.multiarray._reconstruct").tuple(() -> {
            p.global("collections.OrderedDict").ints(0);
            bytes(p, "b");
        }).op('R')), Reason.UNSUPPORTED_FORMAT, "numpy array subclass collections.OrderedDict");
    }

    @Test
    void buildingAnArrayTwiceIsRefused() throws Exception {
        refused(file("twice.pt", p -> {
            array(p, q -> q.ints(2), "f4", "<", false, F4);
            p.tuple(() -> {
                p.integer(1).ints(2);
                dtype(p, "f4", "<", 3);
                p.op(0x89);
                bytes(p, F4);
            }).op('b');
        }), Reason.INVALID_TENSOR_ARGUMENTS, "built twice");
    }

    @Test
    void listDataForANumericDtypeIsRefused() throws Exception {
        refused(file("list.pt", p -> {
            p.global("numpy.core.multiarray._reconstruct").tuple(() -> {
                p.global("numpy.ndarray").ints(0);
                bytes(p, "b");
            }).op('R');
            p.tuple(() -> {
                p.integer(1).ints(2);
                dtype(p, "f4", "<", 3);
                p.op(0x89, ']').integer(1).op('a');
            }).op('b');
        }), Reason.INVALID_TENSOR_ARGUMENTS, "data must be bytes, got list");
    }

    @Test
    void scalarsTakeExactlyTheirItemSize() throws Exception {
        Path ok = file("scalar.pt", p -> p.global("numpy.core.multiarray.scalar").tuple(() -> {
            dtype(p, "u8", "<", 3);
            bytes(p, "\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff");
        }).op('R'));
        try (TensorFile t = SafeLoader.open(ok)) {
            assertEquals(new PyValue.Int(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)),
                    ((PyValue.Dict) t.root()).entries().get(new PyValue.Str("a")));
        }
        refused(file("scalar-long.pt", p -> p.global("numpy._core.multiarray.scalar").tuple(() -> {
            dtype(p, "f4", "<", 3);
            bytes(p, F4);
        }).op('R')), Reason.INVALID_TENSOR_ARGUMENTS, "needs 4 bytes, got 8");
    }

    @Test
    void arrayBytesCountAgainstThePickleStringLimit() throws Exception {
        String data = "\u0001".repeat(400);
        Path f = file("strlimit.pt", p -> array(p, q -> q.ints(100), "f4", "<", false, data));
        try (TensorFile t = SafeLoader.open(f)) {
            assertEquals(400, t.tensor("a").data().byteSize());
        }
        LimitExceededException e = assertThrows(LimitExceededException.class,
                () -> SafeLoader.open(f, LoadOptions.builder().maxPickleStringBytes(256).build()).close());
        assertEquals(Limit.MAX_PICKLE_STRING_BYTES, e.limitKind());
        assertTrue(data.getBytes(StandardCharsets.UTF_8).length > 256);
    }

    @Test
    void eachArrayCountsAsATensor() throws Exception {
        Path f = file("count.pt", p -> p.tuple(() -> {
            array(p, q -> q.ints(2), "f4", "<", false, F4);
            array(p, q -> q.ints(2), "f4", "<", false, F4);
        }));
        LimitExceededException e = assertThrows(LimitExceededException.class,
                () -> SafeLoader.open(f, LoadOptions.builder().maxTensors(1).build()).close());
        assertEquals(Limit.MAX_TENSORS, e.limitKind());
    }
}
