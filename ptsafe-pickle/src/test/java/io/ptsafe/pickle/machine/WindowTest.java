package io.ptsafe.pickle.machine;

import static io.ptsafe.pickle.machine.Pickles.decode;
import static io.ptsafe.pickle.machine.Pickles.le4;
import static io.ptsafe.pickle.machine.Pickles.pk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The machine and its memo pre-scan read opcodes and arguments from a window of {@value ArgReader#WINDOW}
 * bytes copied from the pickle: values whose opcode, length or bytes straddle the window's end read
 * the same as anywhere else, at every shift across it.
 */
class WindowTest {

    @Test
    void argumentsAcrossTheWindowEndReadAsAnywhereElse() throws Exception {
        String longText = "x".repeat(300); // over the short-text path's 256 bytes
        byte[] probe = pk('J', le4(-123456789), 'r', le4(7), 'j', le4(7), 'X', le4(3), new byte[] {(byte) 0xc3,
                (byte) 0xa9, '!'}, 'M', new byte[] {(byte) 0xff, (byte) 0xff}, 0x8c, 6, "abcdef", 'X', le4(300),
                longText);
        List<PyValue> expected = List.of(PyValue.Int.of(-123456789), PyValue.Int.of(-123456789), new PyValue.Str("é!"),
                PyValue.Int.of(65535), new PyValue.Str("abcdef"), new PyValue.Str(longText));
        for (int shift = 0; shift <= 24; shift++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(pk(0x80, 2, ']', '('));
            // Short strings (n + 2 bytes each) up to 8192 - shift, where the probe starts.
            int fill = ArgReader.WINDOW - shift - out.size();
            int strings = 0;
            while (fill > 0) {
                int n = fill - 2 > 200 && fill - 2 - 200 >= 2 ? 200 : fill - 2;
                out.writeBytes(pk(0x8c, n, "a".repeat(n)));
                fill -= n + 2;
                strings++;
            }
            assertEquals(ArgReader.WINDOW - shift, out.size());
            out.writeBytes(probe);
            out.writeBytes(pk('e', '.'));
            List<PyValue> items = ((PyValue.PyList) decode(out.toByteArray())).items();
            assertEquals(strings + expected.size(), items.size(), "shift " + shift);
            assertEquals(expected, items.subList(strings, items.size()), "shift " + shift);
        }
    }

    @Test
    void aPickleSmallerThanTheWindow() throws Exception {
        assertEquals(new PyValue.Str("é"), decode(pk(0x80, 2, 'X', le4(2), new byte[] {(byte) 0xc3, (byte) 0xa9}, '.')));
        assertEquals(PyValue.Int.of(5), decode(pk('K', 5, '.')));
    }

    @Test
    void shortTextIsDecodedStrictlyAsUtf8() throws Exception {
        // A U+FFFD in the pickle is text like any other; a byte that is no UTF-8 is refused, not replaced.
        assertEquals(new PyValue.Str("a\uFFFDb"), decode(pk(0x8c, 5, new byte[] {'a', (byte) 0xef, (byte) 0xbf,
                (byte) 0xbd, 'b'}, '.')));
        assertEquals(new PyValue.Str("\u00e9t\u00e9"), decode(pk('X', le4(5), new byte[] {(byte) 0xc3, (byte) 0xa9,
                't', (byte) 0xc3, (byte) 0xa9}, '.')));
        for (byte[] bad : List.of(new byte[] {'a', (byte) 0xff}, new byte[] {(byte) 0xc3}, new byte[] {(byte) 0x80, 'x'})) {
            PtsafeException e = assertThrows(PtsafeException.class, () -> decode(pk(0x8c, bad.length, bad, '.')));
            assertEquals(Reason.MALFORMED_PICKLE, e.reason());
            assertTrue(e.getMessage().contains("text is not valid UTF-8"), e.getMessage());
        }
    }
}
