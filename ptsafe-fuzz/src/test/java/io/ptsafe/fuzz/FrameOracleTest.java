package io.ptsafe.fuzz;

import static io.ptsafe.pickle.machine.Opcode.BINUNICODE;
import static io.ptsafe.pickle.machine.Opcode.EMPTY_TUPLE;
import static io.ptsafe.pickle.machine.Opcode.FRAME;
import static io.ptsafe.pickle.machine.Opcode.GLOBAL;
import static io.ptsafe.pickle.machine.Opcode.NONE;
import static io.ptsafe.pickle.machine.Opcode.POP;
import static io.ptsafe.pickle.machine.Opcode.PROTO;
import static io.ptsafe.pickle.machine.Opcode.REDUCE;
import static io.ptsafe.pickle.machine.Opcode.STOP;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.pickle.machine.Opcode;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.torch.TorchPickle;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The frame oracle itself, on inputs whose fate in CPython 3.11 was checked with both unpicklers
 * over io.BytesIO (as torch reads data.pkl): C = {@code pickle.Unpickler}, Py = {@code pickle._Unpickler}.
 * The opcode traces are written out, so the oracle is tested whatever the machine does with them.
 */
class FrameOracleTest {

    /** {@code pickle.dumps({'a': [1, 2, 3], 'b': 'xy'}, protocol=4)}: framed, both read it. */
    private static final String BENIGN =
            "8004951c000000000000007d94288c0161945d94284b014b024b03658c0162948c02787994752e";

    @Test
    void benignFramedPickleAcceptedByTheMachinePassesTheOracle() throws Exception {
        byte[] b = HexFormat.of().parseHex(BENIGN);
        FrameOracle oracle = new FrameOracle();
        TorchPickle.decode(PickleInput.of(MemorySegment.ofArray(b).asReadOnly()), Hostile.OPTIONS, false, false,
                TorchPickle.Mode.LOAD, oracle);
        assertDoesNotThrow(() -> oracle.check(b));
    }

    @Test
    void frameEndingInsideALengthPrefixIsADesync() {
        // FRAME(3) X 02 00 | 00 00 'ab' . -- C: pickle data was truncated; Py: exhausted before end of frame
        fails("8004950300000000000000580200000061622e", "crosses the end of the frame",
                PROTO, 0, FRAME, 2, BINUNICODE, 11, STOP, 18);
    }

    @Test
    void frameEndingInsideTheTextIsADesync() {
        // FRAME(6) X 02000000 'a' | 'b' . -- C: EOFError (read 'b.' as the text); Py: exhausted before end of frame
        fails("8004950600000000000000580200000061622e", "crosses the end of the frame",
                PROTO, 0, FRAME, 2, BINUNICODE, 11, STOP, 18);
    }

    @Test
    void frameEndingBetweenPrefixAndTextIsReadIdentically() {
        // FRAME(5) X 02000000 | 'ab' . -- both: 'ab' (the text's read starts at the frame's end)
        passes("8004950500000000000000580200000061622e", PROTO, 0, FRAME, 2, BINUNICODE, 11, STOP, 18);
    }

    @Test
    void frameInsideAnUnfinishedFrame() {
        // FRAME(11) N FRAME(1) 0 | N . -- C: None; Py: beginning of a new frame before end of current frame
        fails("8004950b000000000000004e950100000000000000304e2e", "inside the frame",
                PROTO, 0, FRAME, 2, NONE, 11, FRAME, 12, POP, 21, NONE, 22, STOP, 23);
    }

    @Test
    void frameWhoseHeaderEndsTheOpenFrameIsReadIdentically() {
        // FRAME(11) N 0 FRAME(2) | N . -- both: None
        passes("8004950b000000000000004e309502000000000000004e2e",
                PROTO, 0, FRAME, 2, NONE, 11, POP, 12, FRAME, 13, NONE, 22, STOP, 23);
    }

    @Test
    void frameLongerThanThePickle() {
        // FRAME(100) N . -- C: pickle data was truncated; Py: None
        fails("80049564000000000000004e2e", "only 2 left", PROTO, 0, FRAME, 2, NONE, 11, STOP, 12);
    }

    @Test
    void globalLineCrossingTheFrameEnd() {
        // FRAME(12) c__main__\n in | t\n ) R . -- C: reads the name 't'; Py: exhausted before end of frame
        fails("8004950c00000000000000635f5f6d61696e5f5f0a696e740a29522e", "crosses the end of the frame",
                PROTO, 0, FRAME, 2, GLOBAL, 11, EMPTY_TUPLE, 25, REDUCE, 26, STOP, 27);
    }

    @Test
    void globalLinesSplitAtTheFrameEndAreReadIdentically() {
        // FRAME(10) c__main__\n | int\n ) R . -- both look up __main__.int
        passes("8004950a00000000000000635f5f6d61696e5f5f0a696e740a29522e",
                PROTO, 0, FRAME, 2, GLOBAL, 11, EMPTY_TUPLE, 25, REDUCE, 26, STOP, 27);
    }

    @Test
    void machineReadingADifferentArgumentLengthThanCPython() {
        // X with length 2, but a trace whose next opcode is one byte later than CPython reads
        fails("8004580200000061622e2e", "CPython reads it up to byte 9", PROTO, 0, BINUNICODE, 2, STOP, 10);
    }

    private static void passes(String hex, Object... trace) {
        FrameOracle o = replay(trace);
        assertDoesNotThrow(() -> o.check(HexFormat.of().parseHex(hex)));
    }

    private static void fails(String hex, String message, Object... trace) {
        FrameOracle o = replay(trace);
        AssertionError e = assertThrows(AssertionError.class, () -> o.check(HexFormat.of().parseHex(hex)));
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    private static FrameOracle replay(Object... trace) {
        FrameOracle o = new FrameOracle();
        o.start(null);
        for (int i = 0; i < trace.length; i += 2) {
            o.opcode((Opcode) trace[i], ((Integer) trace[i + 1]).longValue());
        }
        return o;
    }
}
