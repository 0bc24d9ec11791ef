package io.ptsafe.pickle.machine;

import static io.ptsafe.pickle.machine.Pickles.decode;
import static io.ptsafe.pickle.machine.Pickles.le4;
import static io.ptsafe.pickle.machine.Pickles.le8;
import static io.ptsafe.pickle.machine.Pickles.pk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The opcodes CPython 3 never emits (Python 2 strings, DUP, NEWOBJ_EX, 8-byte lengths...), by hand. */
class OpcodeTest {

    static PyValue.Str str(String s) {
        return new PyValue.Str(s);
    }

    @Test
    void stringDecodesEscapesThenUtf8() throws Exception {
        assertEquals(str("abc"), decode(pk("S'abc'\n.")));
        assertEquals(str("a\"b"), decode(pk("S\"a\\\"b\"\n.")));
        assertEquals(str("aA\nA\t\\q"), decode(pk("S'a\\x41\\n\\101\\t\\\\q'\n.")));
        assertEquals(str("é"), decode(pk("S'\\xc3\\xa9'\n.")));
        assertReason(Reason.MALFORMED_PICKLE, pk("Sabc\n."));
        assertReason(Reason.MALFORMED_PICKLE, pk("S'ab\"\n."));
        assertReason(Reason.MALFORMED_PICKLE, pk("S'\\x4'\n."));
        assertReason(Reason.MALFORMED_PICKLE, pk("S'\\xff'\n."));
        assertReason(Reason.TRUNCATED_PICKLE, pk("S'abc'"));
    }

    @Test
    void binstringAndShortBinstring() throws Exception {
        assertEquals(str("abc"), decode(pk('T', le4(3), "abc.")));
        assertEquals(str("h\u00e9"), decode(pk('U', 3, "h\u00c3\u00a9.")));
        assertReason(Reason.MALFORMED_PICKLE, pk('T', le4(-1), "."));
        assertReason(Reason.MALFORMED_PICKLE, pk('U', 1, 0xff, '.'));
        assertReason(Reason.TRUNCATED_PICKLE, pk('T', le4(10), "abc."));
    }

    @Test
    void eightByteLengths() throws Exception {
        assertEquals(new PyValue.Bytes(new byte[] {1, 2, 3}, false), decode(pk(0x8e, le8(3), 1, 2, 3, '.')));
        assertEquals(new PyValue.Bytes(new byte[] {9}, true), decode(pk(0x96, le8(1), 9, '.')));
        assertEquals(str("\u20ac"), decode(pk(0x8d, le8(3), 0xe2, 0x82, 0xac, '.')));
        assertReason(Reason.TRUNCATED_PICKLE, pk(0x8d, le8(-1), "."));
        assertReason(Reason.TRUNCATED_PICKLE, pk(0x8e, le8(1L << 40), "."));
    }

    @Test
    void textNumbers() throws Exception {
        assertEquals(PyValue.Bool.FALSE, decode(pk("I00\n.")));
        assertEquals(PyValue.Bool.TRUE, decode(pk("I01\n.")));
        assertEquals(PyValue.Int.of(-42), decode(pk("I-42\n.")));
        assertEquals(new PyValue.Int(new BigInteger("123456789012345678901234567890")),
                decode(pk("L123456789012345678901234567890L\n.")));
        assertEquals(PyValue.Int.of(7), decode(pk("L7\n.")));
        assertEquals(new PyValue.Float(1.5), decode(pk("F1.5\n.")));
        assertEquals(new PyValue.Float(1e100), decode(pk("F1e+100\n.")));
        assertEquals(new PyValue.Float(Double.NEGATIVE_INFINITY), decode(pk("F-inf\n.")));
        assertTrue(Double.isNaN(((PyValue.Float) decode(pk("Fnan\n."))).value()));
        assertReason(Reason.MALFORMED_PICKLE, pk("F0x10\n."));
        assertReason(Reason.MALFORMED_PICKLE, pk("F1.5d\n."));
        assertReason(Reason.MALFORMED_PICKLE, pk("I1_000\n."));
        // C _pickle reads " 1" as True (strtol, two characters), pickle.py as the int 1.
        assertReason(Reason.AMBIGUOUS_PICKLE_TEXT, pk("I 1\n."));
        assertReason(Reason.MALFORMED_PICKLE, pk("I 12\n."));
    }

    @Test
    void binaryIntegers() throws Exception {
        assertEquals(PyValue.Int.of(257), decode(pk(0x8b, le4(2), 1, 1, '.')));
        assertEquals(PyValue.Int.of(-1), decode(pk(0x8a, 1, 0xff, '.')));
        assertEquals(PyValue.Int.of(0), decode(pk(0x8a, 0, '.')));
        assertEquals(PyValue.Int.of(-2), decode(pk('J', le4(-2), '.')));
        assertEquals(PyValue.Int.of(0xfffe), decode(pk('M', 0xfe, 0xff, '.')));
        assertReason(Reason.MALFORMED_PICKLE, pk(0x8b, le4(-1), '.'));
    }

    @Test
    void unicodeRawEscape() throws Exception {
        assertEquals(str("a\u20acb\\\\u0041\\\\A\u00e9"), decode(pk("Va\\u20acb\\\\u0041\\\\\\u0041\u00e9\n.")));
        assertEquals(str("\ud834\udd1e"), decode(pk("V\\U0001d11e\n.")));
        assertReason(Reason.MALFORMED_PICKLE, pk("V\\u12\n."));
        assertReason(Reason.MALFORMED_PICKLE, pk("V\\U00110000\n."));
    }

    @Test
    void dupPushesTheSameObject() throws Exception {
        PyValue.Tuple t = (PyValue.Tuple) decode(pk(']', '2', 0x86, '.'));
        assertEquals(2, t.items().size());
        assertSame(t.items().get(0), t.items().get(1));
        assertReason(Reason.MALFORMED_PICKLE, pk('2', '.'));
    }

    @Test
    void newobjAndNewobjEx() throws Exception {
        assertEquals(new PyValue.Complex(1, 2),
                decode(pk(0x80, 2, "cbuiltins\ncomplex\n", 'K', 1, 'K', 2, 0x86, 0x81, '.')));
        PyValue.Dict d = (PyValue.Dict) decode(pk(0x80, 4, "ccollections\nOrderedDict\n", ')', '}', 0x92, '.'));
        assertEquals("OrderedDict", d.kind());
        assertReason(Reason.MALFORMED_PICKLE, pk(0x80, 4, "ccollections\nOrderedDict\n", ')', 'N', 0x92, '.'));
        assertReason(Reason.MALFORMED_PICKLE, pk(0x80, 2, "cbuiltins\ncomplex\n", 'N', 0x81, '.'));
    }

    @Test
    void protocolTwoBuiltinsAreRenamedOnlyBeforeProtocolThree() throws Exception {
        byte[] emptySet = pk("c__builtin__\nset\n", ')', 'R', '.');
        assertEquals(new PyValue.PySet(java.util.Set.of(), false), decode(emptySet));
        assertReason(Reason.FORBIDDEN_GLOBAL, pk(0x80, 3, "c__builtin__\nset\n", ')', 'R', '.'));
    }

    @Test
    void framesAndProtocols() throws Exception {
        assertEquals(PyValue.None.NONE, decode(pk(0x80, 4, 0x95, le8(2), 'N', '.')));
        assertReason(Reason.TRUNCATED_PICKLE, pk(0x80, 4, 0x95, le8(100), 'N', '.'));
        assertReason(Reason.MALFORMED_PICKLE, pk(0x80, 6, 'N', '.'));
    }

    @Test
    void memoTextForms() throws Exception {
        PyValue.Tuple t = (PyValue.Tuple) decode(pk("(lp7\nI1\nag7\n", 0x86, "."));
        assertEquals(List.of(PyValue.Int.of(1)), items(t.items().get(0)));
        assertSame(t.items().get(0), t.items().get(1));
        assertReason(Reason.MALFORMED_PICKLE, pk("(lp-1\n."));
        assertReason(Reason.MALFORMED_PICKLE, pk("g3\n."));
    }

    @Test
    void bytesThroughCodecsAndBytearray() throws Exception {
        assertEquals(new PyValue.Bytes(new byte[] {(byte) 0xff, 'a'}, false),
                decode(pk(0x80, 2, "c_codecs\nencode\n", 'X', le4(3), 0xc3, 0xbf, 'a', 'X', le4(6), "latin1", 0x86,
                        'R', '.')));
        assertEquals(new PyValue.Bytes(new byte[] {'a'}, true),
                decode(pk(0x80, 2, "c__builtin__\nbytearray\n", 'X', le4(1), 'a', 'X', le4(7), "latin-1", 0x86,
                        'R', '.')));
        assertReason(Reason.FORBIDDEN_CALL, pk(0x80, 2, "c_codecs\nencode\n", 'X', le4(1), 'a', 'X', le4(5), "rot13",
                0x86, 'R', '.'));
    }

    static void assertReason(Reason reason, byte[] pickle) {
        PtsafeException x = assertThrows(PtsafeException.class, () -> decode(pickle, LoadOptions.defaults()));
        assertEquals(reason, x.reason(), x.getMessage());
    }

    static List<PyValue> items(PyValue v) {
        return ((PyValue.PyList) v).items();
    }
}
