package io.ptsafe.pickle.machine;

import static io.ptsafe.pickle.machine.Pickles.decode;
import static io.ptsafe.pickle.machine.Pickles.le4;
import static io.ptsafe.pickle.machine.Pickles.pk;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ptsafe.PyValue;
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
}
