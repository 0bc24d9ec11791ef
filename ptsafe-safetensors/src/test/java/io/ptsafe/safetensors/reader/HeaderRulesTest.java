package io.ptsafe.safetensors.reader;

import static io.ptsafe.safetensors.reader.TestFiles.entry;
import static io.ptsafe.safetensors.reader.TestFiles.file;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One test per rule of the safetensors header (the reference's, then ptsafe's stricter ones), and what is accepted. */
class HeaderRulesTest {
    private static final String F32_2 = entry("w", "F32", "2", 0, 8);

    @TempDir
    Path dir;
    private int count;

    private Path write(byte[] bytes) {
        return TestFiles.write(dir, "f" + (count++) + ".safetensors", bytes);
    }

    private PtsafeException refused(Reason reason, byte[] bytes) {
        return TestFiles.refused(reason, write(bytes));
    }

    private PtsafeException refused(Reason reason, String header, int data) {
        return refused(reason, file(header, data));
    }

    private TensorFile accepted(byte[] bytes) throws IOException {
        return SafeLoader.open(write(bytes));
    }

    private static byte[] withLength(long n, int total) {
        return ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN).putLong(n).put(8, (byte) '{').array();
    }

    // --- the reference's rules, in its order --------------------------------------------------------

    @Test
    void headerTooSmall() throws IOException {
        for (int size = 0; size < 8; size++) {
            Path p = write(new byte[size]);
            PtsafeException e = assertThrows(PtsafeException.class, () -> TestFiles.openDirect(p, LoadOptions.defaults()));
            assertEquals(Reason.HEADER_TOO_SMALL, e.reason());
            // through SafeLoader, bytes this short are no format at all
            TestFiles.refused(Reason.UNKNOWN_FORMAT, p);
        }
    }

    @Test
    void headerTooLarge() {
        PtsafeException e = refused(Reason.HEADER_TOO_LARGE, withLength(100_000_001L, 64));
        LimitExceededException limit = assertInstanceOf(LimitExceededException.class, e);
        assertEquals("maxHeaderBytes", limit.setting());
        assertEquals(100_000_001L, limit.value());
        assertEquals(LoadOptions.DEFAULT_MAX_HEADER_BYTES, limit.limit());
        // above 2^63: no setting admits it, the message gives the unsigned value
        PtsafeException huge = refused(Reason.HEADER_TOO_LARGE, withLength(-2L, 64));
        assertTrue(huge.getMessage().contains("18446744073709551614"), huge.getMessage());
    }

    @Test
    void invalidHeaderLength() {
        refused(Reason.INVALID_HEADER_LENGTH, withLength(1000, 64));
        refused(Reason.INVALID_HEADER_LENGTH, withLength(57, 64)); // one byte past the end
    }

    @Test
    void invalidHeaderWhenNotUtf8() {
        String[] bad = {"ff", "c0af", "eda080", "f4908080", "e4b8"}; // stray byte, overlong, surrogate, > U+10FFFF, truncated
        for (String hex : bad) {
            byte[] seq = java.util.HexFormat.of().parseHex(hex);
            byte[] header = ("{\"__metadata__\":{\"k\":\"" + "x".repeat(3)).getBytes(StandardCharsets.US_ASCII);
            byte[] tail = "\"}}".getBytes(StandardCharsets.US_ASCII);
            byte[] h = new byte[header.length + seq.length + tail.length];
            System.arraycopy(header, 0, h, 0, header.length);
            System.arraycopy(seq, 0, h, header.length, seq.length);
            System.arraycopy(tail, 0, h, header.length + seq.length, tail.length);
            PtsafeException e = refused(Reason.INVALID_HEADER, TestFiles.raw(h, new byte[0]));
            assertTrue(e.getMessage().contains("header byte " + header.length), e.getMessage());
        }
    }

    @Test
    void invalidHeaderDeserialization() {
        // not recognised as safetensors (no '{' after the length), refused when opened anyway
        for (String h : List.of("", "   ", "[]", "\"x\"", "\uFEFF{}")) {
            Path p = write(file(h, 0));
            TestFiles.refused(Reason.UNKNOWN_FORMAT, p);
            PtsafeException e = assertThrows(PtsafeException.class, () -> TestFiles.openDirect(p, LoadOptions.defaults()));
            assertEquals(Reason.INVALID_HEADER_DESERIALIZATION, e.reason(), h);
        }
        String[] bad = {
            "{", "{}{}", "{} x", "{\"w\":}", "{\"w\":1 \"x\":2}", "{\"w\":{\"dtype\" \"F32\"}}", // not duplicates "{'w':1}", "{\"w\":1,}", "{/*c*/}",
            "{\"w\":\"F32\"}", "{\"w\":[1]}", "{\"w\":null}",
            "{\"w\":{\"dtype\":1,\"shape\":[2],\"data_offsets\":[0,8]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,08]}}",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[NaN],\"data_offsets\":[0,8]}}",
            "{\"a\tb\":" + F32_2.substring(4) + "}", // raw control character inside a name
            "{\"a\\qb\":1}", "{\"a\\u12G4\":1}", // bad escapes
        };
        for (String h : bad) {
            refused(Reason.INVALID_HEADER_DESERIALIZATION, h, 8);
        }
        // NUL padding after '}' (whitespace is allowed, NUL is not), NUL before, and a byte order mark
        refused(Reason.INVALID_HEADER_DESERIALIZATION, TestFiles.raw(bytes("{" + F32_2 + "}\0\0\0"), new byte[8]));
        refused(Reason.INVALID_HEADER_DESERIALIZATION, TestFiles.raw(bytes("{\0\0\0}"), new byte[0]));
    }

    @Test
    void invalidOffset() {
        refused(Reason.INVALID_OFFSET, "{" + entry("w", "F32", "2", 4, 12) + "}", 12); // does not start at 0
        refused(Reason.INVALID_OFFSET, "{" + entry("a", "F32", "1", 0, 4) + "," + entry("b", "F32", "1", 8, 12) + "}", 12);
        refused(Reason.INVALID_OFFSET, "{" + entry("a", "F32", "2", 0, 8) + "," + entry("b", "F32", "1", 4, 8) + "}", 8);
        PtsafeException e = refused(Reason.INVALID_OFFSET, "{" + entry("w", "F32", "2", 8, 0) + "}", 8); // ends before it begins
        assertTrue(e.getMessage().contains("tensor 'w'"), e.getMessage());
    }

    @Test
    void validationOverflow() {
        refused(Reason.VALIDATION_OVERFLOW, "{" + entry("w", "F32", "4294967296,4294967296", 0, 8) + "}", 8);
        refused(Reason.VALIDATION_OVERFLOW, "{" + entry("w", "F64", "2305843009213693952", 0, 8) + "}", 8); // bits overflow
        // legal unsigned 64-bit numbers that no Java long (and no file) holds
        refused(Reason.VALIDATION_OVERFLOW, "{" + entry("w", "F32", "9223372036854775808,0", 0, 0) + "}", 0);
        refused(Reason.VALIDATION_OVERFLOW, "{" + entry("w", "F32", "0", 0, Long.MIN_VALUE) .replace("-", "") + "}", 0);
        refused(Reason.VALIDATION_OVERFLOW, "{" + entry("w", "F32", "2", 0, 8).replace("[0,8]", "[0,18446744073709551615]") + "}", 8);
    }

    @Test
    void misalignedSlice() {
        refused(Reason.MISALIGNED_SLICE, "{" + entry("w", "F4", "3", 0, 2) + "}", 2);
        refused(Reason.MISALIGNED_SLICE, "{" + entry("w", "F6_E2M3", "1", 0, 1) + "}", 1);
    }

    @Test
    void tensorInvalidInfo() {
        refused(Reason.TENSOR_INVALID_INFO, "{" + entry("w", "F32", "2", 0, 4) + "}", 4);
        refused(Reason.TENSOR_INVALID_INFO, "{" + entry("w", "F16", "2,0", 0, 2) + "}", 2);
    }

    @Test
    void metadataIncompleteBuffer() {
        refused(Reason.METADATA_INCOMPLETE_BUFFER, "{" + F32_2 + "}", 9); // a trailing byte
        refused(Reason.METADATA_INCOMPLETE_BUFFER, "{" + F32_2 + "}", 7); // a byte missing
        refused(Reason.METADATA_INCOMPLETE_BUFFER, "{}", 1);
    }

    // --- ptsafe's stricter rules -----------------------------------------------------------------------

    @Test
    void duplicateKeys() {
        refused(Reason.DUPLICATE_KEY, "{" + F32_2 + "," + F32_2 + "}", 8);
        refused(Reason.DUPLICATE_KEY, "{\"__metadata__\":{},\"__metadata__\":{}}", 0);
        refused(Reason.DUPLICATE_KEY, "{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", 0);
        refused(Reason.DUPLICATE_KEY, "{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
        // the same name spelled with an escape is the same key
        refused(Reason.DUPLICATE_KEY, "{" + F32_2 + "," + entry("\\u0077", "F32", "2", 0, 8) + "}", 8);
    }

    @Test
    void invalidTensorEntry() {
        refused(Reason.INVALID_TENSOR_ENTRY, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", 8);
        refused(Reason.INVALID_TENSOR_ENTRY, "{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8);
        refused(Reason.INVALID_TENSOR_ENTRY, "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8);
        refused(Reason.INVALID_TENSOR_ENTRY, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8);
        refused(Reason.INVALID_TENSOR_ENTRY, "{\"w\":{}}", 0);
    }

    @Test
    void invalidTensorName() {
        PtsafeException e = refused(Reason.INVALID_TENSOR_NAME, "{" + entry("__metadata__", "F32", "2", 0, 8) + "}", 8);
        assertTrue(e.getMessage().contains("reserved"), e.getMessage());
    }

    @Test
    void invalidMetadata() {
        for (String m : List.of("\"x\"", "null", "[]", "1", "{\"k\":1}", "{\"k\":null}", "{\"k\":{}}", "{\"k\":[\"v\"]}")) {
            refused(Reason.INVALID_METADATA, "{\"__metadata__\":" + m + "}", 0);
        }
    }

    @Test
    void unknownDtype() {
        for (String d : List.of("F128", "f32", "C32", "C128", "QINT8", "QUINT4X2", "", "float32")) {
            refused(Reason.UNKNOWN_DTYPE, "{" + entry("w", d, "2", 0, 8) + "}", 8);
        }
    }

    @Test
    void invalidNumber() {
        for (String n : List.of("-1", "-0", "1.0", "2.5", "1e3", "1E0", "18446744073709551616", "1" + "0".repeat(40))) {
            refused(Reason.INVALID_NUMBER, "{\"w\":{\"dtype\":\"U8\",\"shape\":[" + n + "],\"data_offsets\":[0,1]}}", 1);
            refused(Reason.INVALID_NUMBER, "{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0," + n + "]}}", 1);
        }
        // longer than the prescan allows any number to be
        refused(Reason.INVALID_NUMBER, "{\"w\":{\"dtype\":\"U8\",\"shape\":[" + "1".repeat(1001) + "],\"data_offsets\":[0,1]}}", 1);
    }

    @Test
    void tooManyTensorsDimensionsDepthAndStringsAreLimitErrors() {
        Path p = write(file("{" + F32_2 + "," + entry("v", "F32", "1,1,1", 8, 12) + "}", 12));
        LoadOptions o = LoadOptions.builder().maxTensors(1).maxRank(2).build();
        assertEquals("maxTensors", ((LimitExceededException) TestFiles.refused(Reason.TOO_MANY_TENSORS, p, o)).setting());
        o = LoadOptions.builder().maxRank(2).build();
        assertEquals("maxRank", ((LimitExceededException) TestFiles.refused(Reason.TOO_MANY_DIMENSIONS, p, o)).setting());
        o = LoadOptions.builder().maxJsonDepth(2).build();
        assertEquals("maxJsonDepth", ((LimitExceededException) TestFiles.refused(Reason.HEADER_TOO_DEEP, p, o)).setting());
        o = LoadOptions.builder().maxStringLength(3).build();
        assertEquals("maxStringLength", ((LimitExceededException) TestFiles.refused(Reason.STRING_TOO_LONG, p, o)).setting());
        // deep nesting where the shape would be wrong anyway is a depth error first, at its byte offset
        PtsafeException deep = refused(Reason.HEADER_TOO_DEEP, "{\"__metadata__\":" + "[".repeat(100) + "]".repeat(100) + "}", 0);
        assertTrue(deep.getMessage().contains("header byte 31"), deep.getMessage());
    }

    /** jackson counts characters; messages give bytes, also after multi-byte characters. */
    @Test
    void messagesGiveByteOffsetsInTheHeader() {
        String h = "{\"__metadata__\":{\"k\":\"\u00e9\u4e2d\uD83D\uDE00\"}," + entry("w", "F32", "2", 0, 4) + "}";
        int at = new String(h.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1).indexOf("\"w\"");
        PtsafeException e = refused(Reason.TENSOR_INVALID_INFO, h, 4);
        assertTrue(e.getMessage().contains("tensor 'w' (header byte " + at + ")"), e.getMessage());
        String bad = "{\"__metadata__\":{\"k\":\"\u00e9\u4e2d\uD83D\uDE00\"},\"w\":}";
        int brace = new String(bad.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1).lastIndexOf('}');
        PtsafeException m = refused(Reason.INVALID_HEADER_DESERIALIZATION, bad, 0);
        assertTrue(m.getMessage().contains("header byte " + brace + ")"), m.getMessage());
    }

    // --- accepted ----------------------------------------------------------------------------------

    @Test
    void acceptsJsonWhitespaceAroundTheObject() throws IOException {
        try (TensorFile tf = accepted(file(" \t\r\n{" + F32_2 + "} \t\r\n", 8))) {
            assertEquals(1, tf.tensors().size());
        }
    }

    @Test
    void acceptsAnyHeaderOrderAndListsTensorsInHeaderOrder() throws IOException {
        String h = "{" + entry("c", "U8", "1", 2, 3) + "," + entry("a", "U8", "1", 0, 1) + ",\"__metadata__\":{\"x\":\"y\"},"
                + entry("b", "U8", "1", 1, 2) + "}";
        try (TensorFile tf = accepted(file(h, 3))) {
            assertEquals(List.of("c", "a", "b"), tf.tensors().stream().map(Tensor::name).toList());
            assertArrayEquals(new byte[] {2}, tf.tensor("c").data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            assertEquals(Map.of("x", "y"), tf.metadata());
        }
    }

    @Test
    void acceptsZeroSizeTensorsAnywhereAndScalars() throws IOException {
        String h = "{" + entry("z1", "F32", "2,0", 0, 0) + "," + entry("z2", "F16", "0", 0, 0) + ","
                + entry("s", "I64", "", 0, 8) + "," + entry("z3", "BOOL", "0,5", 8, 8) + "}";
        try (TensorFile tf = accepted(file(h, 8))) {
            assertEquals(4, tf.tensors().size());
            assertEquals(0, tf.tensor("z3").byteSize());
            assertEquals(1, tf.tensor("s").numel());
        }
    }

    @Test
    void metadataWithEntryKeysButStringValuesIsMetadata() throws IOException {
        try (TensorFile tf = accepted(file("{\"__metadata__\":{\"dtype\":\"F32\",\"shape\":\"[2]\"}}", 0))) {
            assertEquals(Map.of("dtype", "F32", "shape", "[2]"), tf.metadata());
            assertTrue(tf.tensors().isEmpty());
        }
    }

    @Test
    void acceptsEscapesAndUnicodeInNames() throws IOException {
        String name = "\u00e9\u4e2d\uD83D\uDE00/\"q\"";
        try (TensorFile tf = accepted(file("{" + entry("\\u00e9中\\ud83d\\ude00\\/\\\"q\\\"", "U8", "1", 0, 1) + "}", 1))) {
            assertEquals(name, tf.tensors().get(0).name());
        }
    }

    @Test
    void acceptsTheLargestOffsetsThatFitAndUnpaddedOddHeaders() throws IOException {
        try (TensorFile tf = accepted(file("{" + entry("w", "U8", "3", 0, 3) + "}", 3))) {
            assertEquals(3, tf.tensor("w").byteSize());
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
