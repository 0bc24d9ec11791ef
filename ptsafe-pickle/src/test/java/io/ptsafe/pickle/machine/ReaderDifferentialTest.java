package io.ptsafe.pickle.machine;

import static io.ptsafe.pickle.machine.OpcodeTest.assertReason;
import static io.ptsafe.pickle.machine.Pickles.decode;
import static io.ptsafe.pickle.machine.Pickles.le4;
import static io.ptsafe.pickle.machine.Pickles.le8;
import static io.ptsafe.pickle.machine.Pickles.pk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import org.junit.jupiter.api.Test;

/**
 * Pickles that CPython's C unpickler (as torch.load feeds it, through io.BytesIO), the C unpickler on
 * a file and the pure-Python unpickler read differently: refused, each with its own reason. The rows
 * of docs/differentials/pickle.md.
 */
class ReaderDifferentialTest {
    private static final int FRAME = 0x95;

    @Test
    void everyKindOfArgumentMustEndInsideItsFrame() {
        // Fixed size: BININT's 4 bytes, 2 in the frame.
        assertReason(Reason.PICKLE_FRAME_OVERRUN, pk(0x80, 4, FRAME, le8(3), 'J', 1, 2, 3, 4, '.'));
        // The length of a length-prefixed argument, and then its bytes.
        assertReason(Reason.PICKLE_FRAME_OVERRUN, pk(0x80, 4, FRAME, le8(3), 'X', 1, 0, 0, 0, 'a', '.'));
        assertReason(Reason.PICKLE_FRAME_OVERRUN, pk(0x80, 4, FRAME, le8(7), 'X', le4(5), "ab", "cde", '.'));
        assertReason(Reason.PICKLE_FRAME_OVERRUN, pk(0x80, 4, FRAME, le8(7), 'B', le4(5), "ab", "cde", '.'));
        assertReason(Reason.PICKLE_FRAME_OVERRUN, pk(0x80, 4, FRAME, le8(3), 0x8c, 3, 'a', "bc", '.'));
        // Newline-terminated: the newline is after the frame.
        assertReason(Reason.PICKLE_FRAME_OVERRUN, pk(0x80, 4, FRAME, le8(3), "I12", "3\n."));
        assertReason(Reason.PICKLE_FRAME_OVERRUN, pk(0x80, 4, FRAME, le8(10), "cbuiltins\n", "set\n)R."));
        // FRAME's own length.
        assertReason(Reason.PICKLE_FRAME_OVERRUN, pk(0x80, 4, FRAME, le8(4), FRAME, le8(1), 'N', '.'));
    }

    @Test
    void aFrameStartsOnlyWhenTheCurrentOneIsUsedUp() throws Exception {
        assertReason(Reason.PICKLE_FRAME_OVERRUN, pk(0x80, 4, FRAME, le8(11), FRAME, le8(2), 'N', '.'));
        // The second FRAME and its length are the last 9 bytes of the first frame: every reader agrees.
        assertEquals(PyValue.None.NONE, decode(pk(0x80, 4, FRAME, le8(9), FRAME, le8(2), 'N', '.')));
    }

    @Test
    void stopMustUseUpItsFrame() throws Exception {
        assertReason(Reason.PICKLE_FRAME_OVERRUN, pk(0x80, 4, FRAME, le8(3), 'N', '.', 'N'));
        assertEquals(PyValue.None.NONE, decode(pk(0x80, 4, FRAME, le8(2), 'N', '.')));
    }

    @Test
    void bytesAfterAFrameAreOutsideAnyFrame() throws Exception {
        // As CPython writes a large bytes value: the frame ends, the bytes follow unframed.
        byte[] big = new byte[300];
        java.util.Arrays.fill(big, (byte) 'x');
        PyValue v = decode(pk(0x80, 4, FRAME, le8(1), ']', 'B', le4(300), big, 'a', FRAME, le8(1), '.'));
        assertEquals(1, ((PyValue.PyList) v).items().size());
        assertEquals(PyValue.None.NONE, decode(pk(0x80, 4, FRAME, le8(1), 'N', "I5\n0.")));
    }

    @Test
    void integersOnlyInTheFormBothReadersReadAlike() throws Exception {
        assertEquals(PyValue.Int.of(0), decode(pk("I0\n.")));
        assertEquals(PyValue.Int.of(-7), decode(pk("I-7\n.")));
        // "010": C strtol(s, 0) reads octal 8, pickle.py int(s, 0) refuses it.
        assertReason(Reason.AMBIGUOUS_PICKLE_TEXT, pk("I010\n."));
        // Two characters that strtol reads as 0 or 1: a bool to C, an int to pickle.py.
        assertReason(Reason.AMBIGUOUS_PICKLE_TEXT, pk("I-0\n."));
        assertReason(Reason.AMBIGUOUS_PICKLE_TEXT, pk("I+1\n."));
        // C stops at a NUL, pickle.py refuses the line.
        assertReason(Reason.AMBIGUOUS_PICKLE_TEXT, pk("I5\0x\n."));
        assertReason(Reason.AMBIGUOUS_PICKLE_TEXT, pk("L5\0L\n."));
        assertReason(Reason.AMBIGUOUS_PICKLE_TEXT, pk("Np5\0\n."));
        // Both read these alike, but pickle never writes them.
        assertReason(Reason.MALFORMED_PICKLE, pk("I+5\n."));
        assertReason(Reason.MALFORMED_PICKLE, pk("I0x10\n."));
        assertReason(Reason.MALFORMED_PICKLE, pk("I-00\n."));
        assertReason(Reason.MALFORMED_PICKLE, pk("L0x10L\n."));
        assertReason(Reason.MALFORMED_PICKLE, pk("L10LL\n."));
        assertReason(Reason.MALFORMED_PICKLE, pk("Np05\n0g05\n."));
        assertEquals(PyValue.Int.of(10), decode(pk("L10L\n.")));
    }

    @Test
    void floatsOnlyInTheFormBothReadersReadAlike() throws Exception {
        assertEquals(new PyValue.Float(1.5), decode(pk("F01.5\n.")));
        assertEquals(new PyValue.Float(0.0), decode(pk("F1e-400\n.")));
        assertEquals(new PyValue.Float(Double.POSITIVE_INFINITY), decode(pk("Finfinity\n.")));
        // C raises OverflowError, pickle.py's float() returns inf.
        assertReason(Reason.AMBIGUOUS_PICKLE_TEXT, pk("F1e999\n."));
        assertReason(Reason.AMBIGUOUS_PICKLE_TEXT, pk("F-1e999\n."));
        // float() accepts spaces and underscores, C does not; C stops at a NUL, float() refuses it.
        assertReason(Reason.AMBIGUOUS_PICKLE_TEXT, pk("F 1.5\n."));
        assertReason(Reason.AMBIGUOUS_PICKLE_TEXT, pk("F1_0.5\n."));
        assertReason(Reason.AMBIGUOUS_PICKLE_TEXT, pk("F1.5\0zz\n."));
        assertReason(Reason.MALFORMED_PICKLE, pk("F0x1p3\n."));
    }

    @Test
    void memoIndicesAsBothReadersUseThem() throws Exception {
        // MEMOIZE stores at the number of entries, which an earlier PUT may already hold: it overwrites.
        PyValue v = decode(pk(0x80, 4, 'K', 1, 'q', 1, 'K', 2, 0x94, 'h', 1, 0x86, 0x86, '.'));
        PyValue.Tuple t = (PyValue.Tuple) v;
        assertEquals(PyValue.Int.of(2), ((PyValue.Tuple) t.items().get(1)).items().get(1));
        // A GET of a gap, and a huge LONG_BINPUT (C resizes its memo array to twice the index).
        assertReason(Reason.MALFORMED_PICKLE, pk(0x80, 4, 'K', 1, 'q', 3, 'h', 2, '.'));
        assertReason(Reason.PICKLE_LIMIT, pk(0x80, 4, 'K', 1, 'r', le4(0xffffffffL), '.'));
    }

    @Test
    void dictKeysCompareAsPythonCompares() throws Exception {
        // {1: 'a', True: 'b', 1.0: 'c', (1+0j): 'd'} is {1: 'd'} to Python: one key, the first, with the last value.
        PyValue.Dict d = (PyValue.Dict) decode(pk(0x80, 2, '}', '(', 'K', 1, 0x8c, 1, 'a', 0x88, 0x8c, 1, 'b',
                'G', 0x3f, 0xf0, 0, 0, 0, 0, 0, 0, 0x8c, 1, 'c', "cbuiltins\ncomplex\n", 'K', 1, 'K', 0, 0x86, 'R',
                0x8c, 1, 'd', 'u', '.'));
        assertEquals(java.util.Map.of(PyValue.Int.of(1), new PyValue.Str("d")), d.entries());
        // (0,) and (-0.0,) and (False,) are one key; 0.5 stays a float.
        PyValue.Dict t = (PyValue.Dict) decode(pk(0x80, 2, '}', '(', 'K', 0, 0x85, 'N', 'G', 0x80, 0, 0, 0, 0, 0, 0, 0,
                0x85, 0x88, 0x89, 0x85, 0x89, 'G', 0x3f, 0xe0, 0, 0, 0, 0, 0, 0, 'N', 'u', '.'));
        assertEquals(2, t.entries().size(), t.toString());
        assertEquals(PyValue.Bool.FALSE, t.entries().get(new PyValue.Tuple(java.util.List.of(PyValue.Int.of(0)))));
        // NaN keys match by identity in Python: refused.
        assertReason(Reason.MALFORMED_PICKLE, pk(0x80, 2, '}', 'G', 0x7f, 0xf8, 0, 0, 0, 0, 0, 0, 'N', 's', '.'));
    }

    @Test
    void stopInAFrameIsRefusedInAStreamToo() {
        byte[] p = pk(0x80, 4, FRAME, le8(3), 'N', '.', 'N', "N.");
        io.ptsafe.PtsafeException x = org.junit.jupiter.api.Assertions.assertThrows(io.ptsafe.PtsafeException.class,
                () -> Pickles.machine(p, io.ptsafe.LoadOptions.defaults()).allowTrailingData().run());
        assertEquals(Reason.PICKLE_FRAME_OVERRUN, x.reason(), x.getMessage());
        assertTrue(x.getMessage().contains("1 unread bytes"), x.getMessage());
    }
}
