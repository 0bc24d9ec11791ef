package io.ptsafe.safetensors.reader;

import java.io.IOException;
import java.io.Reader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Reads bytes that {@link Utf8Validation} has passed as characters, for jackson's char-based parser,
 * without a {@code CharsetDecoder} behind an {@code InputStreamReader}: an ASCII document (a header
 * always is, in practice) is widened a chunk at a time by the ISO-8859-1 decoder's array intrinsic; any other is
 * decoded by a plain loop. It
 * relies on the validation: a sequence it cannot decode (it never sees one) fails as an IOException,
 * never as a replacement character.
 */
final class Utf8SegmentReader extends Reader {
    private static final int CHUNK = 8192;

    private final MemorySegment bytes;
    private final byte[] buf;
    /** Every byte below 0x80 (headers are): widened a chunk at a time by the JDK's vectorized copies. */
    private final boolean ascii;
    private final CharsetDecoder latin1 = StandardCharsets.ISO_8859_1.newDecoder();
    private final ByteBuffer bytesIn;
    /** The caller's buffer, wrapped once (jackson reads into the same array every time). */
    private CharBuffer chars;
    private long position;
    /** The low surrogate of a four-byte sequence whose high one filled the caller's buffer. */
    private char pendingLow;

    Utf8SegmentReader(MemorySegment bytes) {
        this.bytes = bytes;
        this.buf = new byte[(int) Math.min(CHUNK, Math.max(16, bytes.byteSize()))];
        this.ascii = Utf8Validation.isAscii(bytes);
        this.bytesIn = ByteBuffer.wrap(buf);
    }

    @Override
    public int read(char[] cbuf, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, cbuf.length);
        if (len == 0) {
            return 0;
        }
        int out = off;
        int end = off + len;
        if (pendingLow != 0) {
            cbuf[out++] = pendingLow;
            pendingLow = 0;
        }
        long left = bytes.byteSize() - position;
        if (left == 0) {
            return out == off ? -1 : out - off;
        }
        if (ascii) {
            int k = (int) Math.min(Math.min(buf.length, left), end - out);
            MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, position, buf, 0, k);
            // ISO-8859-1 is the identity on ASCII; its decoder widens arrays with the JDK's intrinsic
            // (no String, no copy beyond the one into the caller's buffer).
            bytesIn.clear().limit(k);
            if (chars == null || chars.array() != cbuf) {
                chars = CharBuffer.wrap(cbuf);
            }
            chars.limit(out + k).position(out);
            latin1.reset().decode(bytesIn, chars, true);
            position += k;
            return out + k - off;
        }
        int k = (int) Math.min(buf.length, left);
        MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, position, buf, 0, k);
        int i = 0;
        while (i < k && out < end) {
            int b = buf[i];
            if (b >= 0) {
                cbuf[out++] = (char) b;
                i++;
                continue;
            }
            int n = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 0;
            if (n == 0) {
                throw notValidated(i);
            }
            if (i + n > k) {
                if (k < buf.length) {
                    throw notValidated(i); // truncated at the end of the bytes
                }
                break; // cut by the chunk: decoded on the next call
            }
            int cp = b & (0x7F >> n);
            for (int j = 1; j < n; j++) {
                int c = buf[i + j];
                if ((c & 0xC0) != 0x80) {
                    throw notValidated(i);
                }
                cp = cp << 6 | (c & 0x3F);
            }
            i += n;
            if (cp < 0x10000) {
                cbuf[out++] = (char) cp;
            } else {
                cbuf[out++] = Character.highSurrogate(cp);
                if (out < end) {
                    cbuf[out++] = Character.lowSurrogate(cp);
                } else {
                    pendingLow = Character.lowSurrogate(cp);
                }
            }
        }
        position += i;
        return out - off;
    }

    private IOException notValidated(int i) {
        return new IOException("bytes not validated as UTF-8 at byte " + (position + i));
    }

    @Override
    public void close() {
        // the bytes belong to the caller
    }
}
