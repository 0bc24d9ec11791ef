package io.ptsafe.safetensors.reader;

import io.ptsafe.Limit;
import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One pass over JSON bytes, before any parser sees them, enforcing what must hold before anything is
 * allocated from them: nesting depth and string lengths within {@link LoadOptions}, numbers of at most
 * {@link #MAX_NUMBER_CHARS} characters, no raw control bytes (JSON allows none outside whitespace), and
 * a document that is an object: its first byte after whitespace is '{' (so no byte order mark), and
 * no unpaired UTF-16 surrogate escape (<code>"&#92;ud800"</code>, a lone low surrogate, a high one not
 * followed by a low one): serde_json, which the reference parses headers with, refuses them
 * (serde_json read.rs {@code parse_escape}: LoneLeadingSurrogateInHexEscape,
 * UnexpectedEndOfHexEscape), while Java would keep a broken string.
 *
 * <p>This is a lexer for strings, escapes and brackets only; jackson checks the grammar afterwards.
 * Limit errors carry the exact value and byte offset, which jackson's own constraint errors do not.
 * The bytes must already be valid UTF-8 ({@link Utf8Validation}): string lengths are counted in UTF-16
 * units, as {@link String#length()} counts them.
 */
final class JsonPrescan {
    /** Characters of one JSON number: legal headers need at most 20 (2^64 - 1). */
    static final int MAX_NUMBER_CHARS = 1000;
    private static final int CHUNK = 1 << 16;

    private enum State { OUT, NUMBER, STRING, ESCAPE, HEX }

    private final JsonSource source;
    private final int maxDepth;
    private final int maxString;
    private State state = State.OUT;
    private boolean started;
    private int depth;
    private long stringStart;
    private long stringChars;
    private long numberStart;
    private int numberChars;
    private int hexLeft;
    private int hexValue;
    /** A high surrogate escape was just read: the next bytes must be a low surrogate escape. */
    private boolean highPending;
    private long escapeStart;
    private long highAt;

    private JsonPrescan(JsonSource source, LoadOptions options) {
        this.source = source;
        this.maxDepth = options.maxJsonDepth();
        this.maxString = options.maxStringLength();
    }

    static void check(MemorySegment json, JsonSource source, LoadOptions options) throws PtsafeException {
        JsonPrescan scan = new JsonPrescan(source, options);
        byte[] buf = new byte[(int) Math.min(CHUNK, json.byteSize())];
        for (long base = 0; base < json.byteSize(); base += buf.length) {
            int n = (int) Math.min(buf.length, json.byteSize() - base);
            MemorySegment.copy(json, ValueLayout.JAVA_BYTE, base, buf, 0, n);
            for (int i = 0; i < n; i++) {
                int b = buf[i] & 0xFF;
                if (scan.state == State.STRING && b >= 0x20 && b != '"' && b != '\\' && !scan.highPending) {
                    // the common case, kept in this loop: a plain byte of a string
                    if ((b & 0xC0) != 0x80) {
                        scan.stringChars += (b & 0xF8) == 0xF0 ? 2 : 1;
                    }
                } else {
                    scan.accept(b, base + i);
                }
            }
        }
        scan.end(json.byteSize());
    }

    private void accept(int b, long at) throws PtsafeException {
        switch (state) {
            case OUT -> outside(b, at);
            case NUMBER -> {
                if ((b >= '0' && b <= '9') || b == '.' || b == 'e' || b == 'E' || b == '+' || b == '-') {
                    if (++numberChars > MAX_NUMBER_CHARS) {
                        throw new PtsafeException(source.badNumber(), source.file(), "number at "
                                + source.atByte(numberStart) + " is longer than " + MAX_NUMBER_CHARS
                                + " characters; no legal value needs more than 20");
                    }
                } else {
                    state = State.OUT;
                    outside(b, at);
                }
            }
            case STRING -> {
                if (highPending && b != '\\') {
                    throw unpaired();
                }
                if (b == '"') {
                    if (stringChars > maxString) {
                        throw tooLong();
                    }
                    state = State.OUT;
                } else if (b == '\\') {
                    state = State.ESCAPE;
                    escapeStart = at;
                } else if (b < 0x20) {
                    throw source.malformedAtByte(at, String.format("raw control character 0x%02x inside a string", b));
                } else if ((b & 0xC0) != 0x80) {
                    // a UTF-8 lead byte: one UTF-16 unit, two for the four-byte sequences
                    stringChars += (b & 0xF8) == 0xF0 ? 2 : 1;
                }
            }
            case ESCAPE -> {
                stringChars++;
                if (highPending && b != 'u') {
                    throw unpaired();
                }
                switch (b) {
                    case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> state = State.STRING;
                    case 'u' -> {
                        hexLeft = 4;
                        hexValue = 0;
                        state = State.HEX;
                    }
                    default -> throw source.malformedAtByte(at, "invalid escape '\\" + printable(b) + "' in a string");
                }
            }
            case HEX -> {
                if (Character.digit(b, 16) < 0) {
                    throw source.malformedAtByte(at, "invalid \\u escape: '" + printable(b) + "' is not a hex digit");
                }
                hexValue = hexValue << 4 | Character.digit(b, 16);
                if (--hexLeft == 0) {
                    state = State.STRING;
                    surrogate(at);
                }
            }
        }
    }

    private void outside(int b, long at) throws PtsafeException {
        if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
            return;
        }
        if (!started) {
            started = true;
            if (b != '{') {
                throw source.malformedAtByte(at, "the " + source.what() + " must be a JSON object starting with '{', found "
                        + String.format("0x%02x", b));
            }
        }
        if (b < 0x20) {
            throw source.malformedAtByte(at, String.format("raw control character 0x%02x", b));
        }
        switch (b) {
            case '"' -> {
                state = State.STRING;
                stringStart = at;
                stringChars = 0;
            }
            case '{', '[' -> {
                if (++depth > maxDepth) {
                    throw Limit.MAX_JSON_DEPTH.exceeded(source.file(), source.what()
                            + " nesting depth at " + source.atByte(at), depth, maxDepth);
                }
            }
            case '}', ']' -> depth = Math.max(0, depth - 1);
            case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> {
                state = State.NUMBER;
                numberStart = at;
                numberChars = 1;
            }
            default -> {
                // the rest of the grammar is jackson's to check
            }
        }
    }

    /** Pairs surrogate escapes as serde_json does; {@code at} is the escape's last hex digit. */
    private void surrogate(long at) throws PtsafeException {
        boolean high = hexValue >= 0xD800 && hexValue <= 0xDBFF;
        boolean low = hexValue >= 0xDC00 && hexValue <= 0xDFFF;
        if (highPending) {
            if (!low) {
                throw unpaired();
            }
            highPending = false;
        } else if (high) {
            highPending = true;
            highAt = escapeStart;
        } else if (low) {
            throw source.malformedAtByte(escapeStart, String.format("lone low surrogate escape \\u%04x in a string "
                    + "(not preceded by a high surrogate escape)", hexValue));
        }
    }

    private PtsafeException unpaired() {
        return source.malformedAtByte(highAt, "unpaired high surrogate escape in a string: it must be followed "
                + "at once by a low surrogate escape (\\udc00 to \\udfff)");
    }

    private void end(long size) throws PtsafeException {
        if (!started) {
            throw source.malformedAtByte(size, "the " + source.what() + " holds no JSON value (" + size
                    + " bytes of whitespace)");
        }
        if ((state == State.STRING || state == State.ESCAPE || state == State.HEX) && stringChars > maxString) {
            throw tooLong();
        }
    }

    private LimitExceededException tooLong() {
        return Limit.MAX_STRING_LENGTH.exceeded(source.file(), "characters of the string at "
                + source.atByte(stringStart), stringChars, maxString);
    }

    private static String printable(int b) {
        return b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("0x%02x", b);
    }
}
