package io.ptsafe.safetensors.reader;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Checks that bytes are well-formed UTF-8 as Rust's {@code str::from_utf8} defines it (no overlong
 * forms, no encoded surrogates, nothing above U+10FFFF, no truncated sequence), without keeping the
 * decoded text: memory stays constant whatever the length.
 */
final class Utf8Validation {
    private static final int CHUNK = 1 << 16;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;

    private Utf8Validation() {
    }

    /**
     * @param what   "header" or "index", for the message
     * @param reason the reason to refuse with
     */
    static void check(MemorySegment bytes, Path file, String what, Reason reason) throws PtsafeException {
        if (isAscii(bytes)) {
            return; // ASCII is valid UTF-8, and it is what headers are made of
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        long size = bytes.byteSize();
        ByteBuffer in = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(size, 16)));
        CharBuffer out = CharBuffer.allocate(in.capacity());
        in.flip();
        long copied = 0;
        while (true) {
            // Bytes of a sequence cut by the chunk boundary stay in the buffer for the next round.
            in.compact();
            int n = (int) Math.min(in.remaining(), size - copied);
            MemorySegment.copy(bytes, ValueLayout.JAVA_BYTE, copied, in.array(), in.position(), n);
            in.position(in.position() + n);
            copied += n;
            in.flip();
            boolean last = copied == size;
            CoderResult result;
            do {
                out.clear();
                result = decoder.decode(in, out, last);
            } while (result.isOverflow());
            if (result.isError()) {
                long at = copied - in.remaining();
                throw new PtsafeException(reason, file, what + " is not valid UTF-8: "
                        + describe(bytes, at, result.length()) + " at " + what + " byte " + at);
            }
            if (last) {
                out.clear();
                decoder.flush(out);
                return;
            }
        }
    }

    /** Whether no byte has its high bit set, eight bytes at a time. */
    static boolean isAscii(MemorySegment bytes) {
        long size = bytes.byteSize();
        long i = 0;
        for (; i + 8 <= size; i += 8) {
            if ((bytes.get(LONG, i) & 0x8080808080808080L) != 0) {
                return false;
            }
        }
        for (; i < size; i++) {
            if (bytes.get(ValueLayout.JAVA_BYTE, i) < 0) {
                return false;
            }
        }
        return true;
    }

    private static String describe(MemorySegment bytes, long at, int length) {
        StringBuilder sb = new StringBuilder("malformed sequence");
        for (int i = 0; i < length && at + i < bytes.byteSize(); i++) {
            sb.append(String.format(" %02x", bytes.get(ValueLayout.JAVA_BYTE, at + i) & 0xFF));
        }
        return sb.toString();
    }
}
