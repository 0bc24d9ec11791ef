package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.Limit;
import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.TorchZips;
import io.ptsafe.pickle.TorchZips.Pkl;
import io.ptsafe.pickle.zip.TorchZipReader;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pre-0.4 encoding ({@code torch.FloatTensor()} + BUILD) on hand-assembled data.pkl files: what
 * the fixtures of {@code make_parity_fixtures.py} do not reach (memo order, limits, overflow).
 */
class LegacyTensorTest {
    static final byte[] FOUR = {1, 2, 3, 4};

    @TempDir
    Path dir;

    TensorFile open(byte[] pkl, LoadOptions o) throws Exception {
        return TorchZipReader.open(TorchZips.checkpoint(dir.resolve("t.pt"), pkl, Map.of("0", FOUR)), o);
    }

    PtsafeException refused(byte[] pkl) {
        return assertThrows(PtsafeException.class, () -> open(pkl, LoadOptions.defaults()).close());
    }

    /** torch.ByteTensor() + BUILD (storage '0' of 4 bytes, offset, size, stride); {@code state} adds the rest. */
    static Pkl empty(Pkl p) {
        return p.global("torch.ByteTensor").op(')', 'R');
    }

    /** BUILD of a 0-d view of byte 0. */
    static Pkl state(Pkl p) {
        return p.op('(').storage("torch.ByteStorage", "0", 4).integer(0).ints().ints().op('t', 'b');
    }

    @Test
    void aContainerThatGotTheTensorBeforeBuildSeesItBuilt() throws Exception {
        // [t] where t = ByteTensor() was appended before its BUILD, reached again through the memo.
        Pkl p = new Pkl().op(']');
        empty(p).op('q', 0, 'a', 'h', 0);
        p.op('(').storage("torch.ByteStorage", "0", 4).integer(1).ints(3).ints(1).op('t', 'b', '0');
        try (TensorFile f = open(p.stop(), LoadOptions.defaults())) {
            assertEquals(DType.U8, f.tensor("0").dtype());
            assertArrayEquals(new byte[] {2, 3, 4}, f.tensor("0").data().toArray(ValueLayout.JAVA_BYTE));
            assertInstanceOf(PyValue.PyList.class, f.root());
        }
    }

    @Test
    void anUnsetTensorIsRefusedWhereverItIsUsed() {
        PtsafeException inParameter = refused(empty(new Pkl().global("torch.nn.parameter.Parameter")).op(0x85, 'R').stop());
        assertEquals(Reason.UNSUPPORTED_FORMAT, inParameter.reason());
        assertTrue(inParameter.getMessage().contains("torch.ByteTensor() whose state was never set"),
                inParameter::getMessage);
        assertEquals(Reason.UNSUPPORTED_FORMAT, refused(empty(new Pkl()).stop()).reason());
    }

    @Test
    void theStateIsCheckedLikeARebuildFunctionsArguments() {
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, refused(empty(new Pkl()).integer(4).op('b').stop()).reason());
        Pkl negative = empty(new Pkl()).op('(').storage("torch.ByteStorage", "0", 4).integer(3).ints(2).ints(-1)
                .op('t', 'b');
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, refused(negative.stop()).reason());
        Pkl badOffset = empty(new Pkl()).op('(').storage("torch.ByteStorage", "0", 4).integer(-1).ints(1).ints(1)
                .op('t', 'b');
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, refused(badOffset.stop()).reason());
        // 2^40 x 2^40 elements with stride 2^40: the extent overflows 64 bits.
        Pkl huge = empty(new Pkl()).op('(').storage("torch.ByteStorage", "0", 4).integer(0)
                .op('(').op(0x8a, 6, 0, 0, 0, 0, 0, 1).op(0x8a, 6, 0, 0, 0, 0, 0, 1).op('t')
                .op('(').op(0x8a, 6, 0, 0, 0, 0, 0, 1).integer(1).op('t').op('t', 'b');
        assertEquals(Reason.VALIDATION_OVERFLOW, refused(huge.stop()).reason());
        Pkl rank = empty(new Pkl()).op('(').storage("torch.ByteStorage", "0", 4).integer(0).ints(new int[65]).ints(new int[65]).op('t', 'b');
        LimitExceededException r = assertThrows(LimitExceededException.class,
                () -> open(rank.stop(), LoadOptions.defaults()).close());
        assertEquals(Limit.MAX_RANK, r.limitKind());
    }

    @Test
    void newobjMakesTheEmptyTensorTooButNotWithKeywords() throws Exception {
        Pkl newobjEx = state(new Pkl().global("torch.ByteTensor").op(')', '}', 0x92));
        try (TensorFile f = open(newobjEx.stop(), LoadOptions.defaults())) {
            assertEquals(DType.U8, f.tensor("").dtype());
        }
        Pkl kw = state(new Pkl().global("torch.ByteTensor").op(')', '}').str("device").str("cpu").op('s', 0x92));
        PtsafeException e = refused(kw.stop());
        assertEquals(Reason.UNSUPPORTED_FORMAT, e.reason());
        assertTrue(e.getMessage().contains("keyword arguments"), e::getMessage);
    }

    @Test
    void everyBuiltTensorCountsAgainstMaxTensors() throws Exception {
        Pkl p = new Pkl().op('(');
        for (int i = 0; i < 2; i++) {
            state(empty(p));
        }
        byte[] two = p.op('t').stop();
        try (TensorFile f = open(two, LoadOptions.defaults())) {
            assertEquals(2, f.tensors().size());
        }
        LimitExceededException e = assertThrows(LimitExceededException.class,
                () -> open(two, LoadOptions.builder().maxTensors(1).build()).close());
        assertEquals(Limit.MAX_TENSORS, e.limitKind());
    }
}
