package io.ptsafe.safetensors.reader;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.DupDetector;
import com.fasterxml.jackson.core.json.JsonReadContext;
import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.io.IOException;
import java.io.Reader;
import java.lang.foreign.MemorySegment;
import java.util.function.Supplier;

/**
 * jackson's streaming parser over a header or index that {@link Utf8Validation} and
 * {@link JsonPrescan} have passed. Every failure leaves as a {@link PtsafeException}: duplicate keys
 * (jackson's strict detection, in every object) as {@link Reason#DUPLICATE_KEY}, anything else jackson
 * refuses as the source's malformed reason, with the byte offset.
 *
 * <p>jackson reads characters decoded from the validated UTF-8 ({@link Utf8SegmentReader}), not
 * bytes: it never guesses an encoding or skips a byte order mark, and it needs no name table (canonicalization is off, so hostile names
 * cannot flood it). Its offsets are therefore character offsets, which {@link JsonSource} turns into
 * byte offsets for messages. jackson's own constraints are set just above the prescan's limits, so
 * they never refuse a document the prescan accepted; they remain as a second line.
 */
final class JsonReader implements AutoCloseable {
    private final JsonParser parser;
    private final JsonSource source;

    private JsonReader(JsonParser parser, JsonSource source) {
        this.parser = parser;
        this.source = source;
    }

    static JsonReader open(MemorySegment json, JsonSource source, LoadOptions options) throws PtsafeException {
        int strings = saturated(options.maxStringLength() + 1L);
        StreamReadConstraints constraints = StreamReadConstraints.builder()
                .maxNestingDepth(saturated(options.maxJsonDepth() + 1L))
                .maxStringLength(strings)
                .maxNameLength(strings)
                .maxNumberLength(JsonPrescan.MAX_NUMBER_CHARS + 1)
                .build();
        JsonFactory factory = JsonFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                .streamReadConstraints(constraints)
                .build();
        try {
            Reader chars = new Utf8SegmentReader(json);
            return new JsonReader(factory.createParser(chars), source);
        } catch (IOException | RuntimeException e) {
            throw new PtsafeException(source.malformed(), source.file(), "cannot start reading the "
                    + source.what() + ": " + e.getMessage(), e);
        }
    }

    /** The next token, or null at the end of input. */
    JsonToken next() throws PtsafeException {
        try {
            return parser.nextToken();
        } catch (JsonProcessingException e) {
            throw translate(e);
        } catch (IOException | RuntimeException e) {
            throw new PtsafeException(source.malformed(), source.file(), "cannot read the " + source.what()
                    + " near " + source.at(offset()) + ": " + e.getMessage(), e);
        }
    }

    /** The text of the current name or string token. */
    String text() throws PtsafeException {
        try {
            return parser.getText();
        } catch (JsonProcessingException e) {
            throw translate(e);
        } catch (IOException | RuntimeException e) {
            throw new PtsafeException(source.malformed(), source.file(), "cannot read a string at "
                    + source.at(offset()) + ": " + e.getMessage(), e);
        }
    }

    /** Where the current token starts, in characters as jackson counts them (see {@link JsonSource#at(long)}). */
    long offset() {
        return offsetOf(parser.currentTokenLocation());
    }

    /**
     * The current token as a non-negative 64-bit integer. Negative numbers, fractions and exponent
     * forms, and integers of 2^64 or more, are refused with the source's bad-number reason. Integers
     * from 2^63 to 2^64 - 1 are legal unsigned 64-bit JSON numbers, but no file can hold what they
     * describe and Java's long cannot carry them: they are refused with
     * {@link Reason#VALIDATION_OVERFLOW}, as the reference refuses arithmetic that overflows.
     *
     * @param place what the number is, for a message ("tensor 'w' (header byte 2) shape[1]")
     */
    long unsignedLong(Supplier<String> place) throws PtsafeException {
        JsonToken t = parser.currentToken();
        if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            throw badNumber(place, text(), "a fraction or exponent form; an unsigned integer is required");
        }
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw source.malformed(offset(), place.get() + " must be an unsigned integer, found " + describe(t));
        }
        boolean negative;
        try {
            // Read from jackson's buffer without making a String: "-0" is negative too.
            negative = parser.getTextCharacters()[parser.getTextOffset()] == '-';
            if (!negative && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                return parser.getLongValue();
            }
        } catch (JsonProcessingException e) {
            throw translate(e);
        } catch (IOException | RuntimeException e) {
            throw new PtsafeException(source.malformed(), source.file(), "cannot read a number at "
                    + source.at(offset()) + ": " + e.getMessage(), e);
        }
        String digits = text();
        if (negative) {
            throw badNumber(place, digits, "negative; an unsigned integer is required");
        }
        long value;
        try {
            value = Long.parseUnsignedLong(digits);
        } catch (NumberFormatException e) {
            throw badNumber(place, digits, "over 2^64 - 1");
        }
        if (value < 0) {
            throw new PtsafeException(Reason.VALIDATION_OVERFLOW, source.file(), place.get() + " at "
                    + source.at(offset()) + " is " + digits + ", over Long.MAX_VALUE (" + Long.MAX_VALUE
                    + "): no file holds that much");
        }
        return value;
    }

    /**
     * Skips the value the current token starts (a whole object or array). Its keys count against
     * {@code maxKeys} ({@link LoadOptions#maxContainerItems()}): jackson's duplicate detection keeps
     * every key of an open object, so a skipped value costs memory too.
     */
    void skipValue(int maxKeys) throws PtsafeException {
        JsonToken t = parser.currentToken();
        long start = offset();
        long keys = 0;
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            for (int depth = 1; depth > 0; ) {
                JsonToken n = next();
                if (n == null) {
                    throw source.malformed(offset(), "unexpected end of the " + source.what());
                }
                if (n.isStructStart()) {
                    depth++;
                } else if (n.isStructEnd()) {
                    depth--;
                } else if (n == JsonToken.FIELD_NAME && ++keys > maxKeys) {
                    throw Limit.MAX_CONTAINER_ITEMS.exceeded(source.malformed(), source.file(), "keys in the value at "
                            + source.at(start), keys, maxKeys);
                }
            }
        }
    }

    /** A short description of a token for messages. */
    static String describe(JsonToken t) {
        if (t == null) {
            return "the end of the document";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.asString() == null ? t.name() : "'" + t.asString() + "'";
        };
    }

    JsonSource source() {
        return source;
    }

    @Override
    public void close() {
        try {
            parser.close();
        } catch (IOException | RuntimeException e) {
            // nothing held but buffers; the mapped bytes belong to the caller
        }
    }

    private PtsafeException badNumber(Supplier<String> place, String text, String why) {
        return new PtsafeException(source.badNumber(), source.file(), place.get() + " at " + source.at(offset())
                + " is " + abbreviate(text) + ": " + why);
    }

    private PtsafeException translate(JsonProcessingException e) {
        long at = e.getLocation() == null ? offset() : offsetOf(e.getLocation());
        JsonStreamContext ctx = parser.getParsingContext();
        String message = String.valueOf(e.getOriginalMessage());
        // jackson's duplicate error has no type of its own. A failure after a key leaves that key
        // current too (as in {"w":}), so the detector alone cannot tell; its message and the
        // detector holding the key must agree.
        if (message.startsWith("Duplicate") && ctx instanceof JsonReadContext rc && ctx.inObject()
                && ctx.getCurrentName() != null) {
            DupDetector dups = rc.getDupDetector();
            try {
                if (dups != null && dups.isDup(ctx.getCurrentName())) {
                    return new PtsafeException(Reason.DUPLICATE_KEY, source.file(), "key '"
                            + abbreviate(ctx.getCurrentName()) + "' appears twice in one object "
                            + place(rc.getParent()) + "(at " + source.at(at) + ")", e);
                }
            } catch (JsonProcessingException ignored) {
                // isDup only throws to report; nothing to add
            }
        }
        return new PtsafeException(source.malformed(), source.file(), "malformed JSON: " + e.getOriginalMessage()
                + " (at " + source.at(at) + ")", e);
    }

    private static String place(JsonStreamContext parent) {
        if (parent == null || parent.inRoot()) {
            return "at the top level ";
        }
        return parent.getCurrentName() == null ? "" : "under '" + abbreviate(parent.getCurrentName()) + "' ";
    }

    private static long offsetOf(JsonLocation loc) {
        return loc.getCharOffset();
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "... (" + s.length() + " chars)";
    }

    private static int saturated(long v) {
        return (int) Math.min(Integer.MAX_VALUE, v);
    }
}
