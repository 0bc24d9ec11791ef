package io.ptsafe.pickle.machine;

import static io.ptsafe.pickle.machine.Pickles.pk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.PyValue;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NamesAndSnifferTest {

    @Test
    void floatKeysUsePythonRepr() {
        String[][] cases = {{"0.0001", "1.0E-4"}, {"1e-05", "1.0E-5"}, {"12345678.9", "1.23456789E7"},
                {"1e+16", "1.0E16"}, {"1.5", "1.5"}, {"-2.0", "-2.0"}, {"1e+22", "1.0E22"}, {"0.1", "0.1"},
                {"123456789012345.6", "1.234567890123456E14"}, {"5e-324", "4.9E-324"},
                {"1.7976931348623157e+308", "1.7976931348623157E308"}, {"-0.0", "-0.0"}, {"inf", "Infinity"}};
        for (String[] c : cases) {
            assertEquals(c[0], Names.floatRepr(Double.parseDouble(c[1])), c[1]);
        }
    }

    @Test
    void keySegments() {
        assertEquals("w", Names.segment(new PyValue.Str("w")));
        assertEquals("-3", Names.segment(new PyValue.Int(BigInteger.valueOf(-3))));
        assertEquals("True", Names.segment(PyValue.Bool.TRUE));
        assertEquals("None", Names.segment(PyValue.None.NONE));
        assertEquals("(1, 'a')", Names.segment(new PyValue.Tuple(List.of(PyValue.Int.of(1), new PyValue.Str("a")))));
        assertEquals("(1,)", Names.segment(new PyValue.Tuple(List.of(PyValue.Int.of(1)))));
        assertEquals("b'a\\x00'", Names.segment(new PyValue.Bytes(new byte[] {'a', 0}, false)));
        assertEquals("frozenset({2})", Names.segment(new PyValue.PySet(Set.of(PyValue.Int.of(2)), true)));
        assertEquals("torch.float32", Names.segment(new PyValue.Opaque("torch.float32", List.of(), null)));
    }

    @Test
    void sniffer() {
        // the heads of longer files (as whole files, they end before STOP: CPython fails there)
        assertEquals(null, PickleSniffer.whyNotAPickle(pk("(dp0\nVweight\np1\n(lp2\n"), 1 << 20));
        assertEquals(null, PickleSniffer.whyNotAPickle(pk(0x80, 2, '}', 'q', 0, '(', 'X', 6, 0, 0, 0, "weight"), 1 << 20));
        assertFalse(PickleSniffer.looksLikePickle(pk(0x80, 2, '}', 'q', 0, '(', 'X', 6, 0, 0, 0, "weight")));
        assertTrue(PickleSniffer.looksLikePickle(pk(0x80, 4, 0x95, 0x10, 0, 0, 0, 0, 0, 0, 0, '}', 0x94)));
        assertTrue(PickleSniffer.looksLikePickle(pk("N.")));
        assertFalse(PickleSniffer.looksLikePickle("hello world".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(PickleSniffer.looksLikePickle("{\"a\": 1}".getBytes(StandardCharsets.US_ASCII)));
        assertFalse(PickleSniffer.looksLikePickle(pk(0x48, 0, 0, 0, 0, 0, 0, 0, "{\"w\"")));
        assertFalse(PickleSniffer.looksLikePickle(pk(".")));
        assertFalse(PickleSniffer.looksLikePickle(pk(0x80, 9, 'N', '.')));
        assertEquals(null, PickleSniffer.whyNotAPickle(pk("(NN", 'X', 0xff, 0xff, 0xff, 0x7f, "ab"), 1L << 32),
                "a long string past the head");
        assertFalse(PickleSniffer.looksLikePickle(pk("(NN", 'X', 0xff, 0xff, 0xff, 0x7f, "ab")), "past the file");
        assertFalse(PickleSniffer.looksLikePickle(pk("PK", 3, 4)));
    }
}
