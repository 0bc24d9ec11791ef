package io.ptsafe.safetensors.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The reader jackson parses headers through must give exactly the characters Java's own UTF-8
 * decoder gives for valid UTF-8, whatever the caller's buffer size and wherever a sequence falls
 * across its 8 KiB chunks: ASCII (the fast path), two-, three- and four-byte sequences (surrogate
 * pairs, one half of which may have to wait for the next call).
 */
class Utf8SegmentReaderTest {

    @Test
    void asciiMatchesTheJdk() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 40_000; i++) {
            sb.append("{\"model.layers.").append(i).append(".w\":{\"dtype\":\"F32\"}} ");
        }
        for (int bufferSize : new int[] {1, 3, 4000, 8192, 100_000}) {
            assertEquals(sb.toString(), readAll(sb.toString().getBytes(StandardCharsets.UTF_8), bufferSize));
        }
    }

    @Test
    void multiByteSequencesMatchTheJdk() throws IOException {
        String[] pieces = {"a", "é", "€", "😀", "中文", "\u007f", "\u0080", "\u07ff", "\u0800", "\uffff",
            new String(Character.toChars(0x10000)), new String(Character.toChars(0x10ffff))};
        Random random = new Random(17);
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 30_000) {
            sb.append(pieces[random.nextInt(pieces.length)]);
        }
        String text = sb.toString();
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        for (int bufferSize : new int[] {1, 2, 3, 5, 4000, 8191, 100_000}) {
            assertEquals(text, readAll(utf8, bufferSize), "buffer of " + bufferSize);
        }
    }

    private static String readAll(byte[] bytes, int bufferSize) throws IOException {
        try (Utf8SegmentReader r = new Utf8SegmentReader(MemorySegment.ofArray(bytes))) {
            StringBuilder out = new StringBuilder();
            char[] buf = new char[bufferSize];
            for (int n = r.read(buf, 0, buf.length); n >= 0; n = r.read(buf, 0, buf.length)) {
                out.append(buf, 0, n);
            }
            return out.toString();
        }
    }
}
