package io.ptsafe.safetensors.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Tensor;
import io.ptsafe.spi.BasicTensorFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The fast path ({@link CanonicalHeader}) against the general one ({@link SafetensorsReader#general}):
 * on every input and under several {@link LoadOptions}, the fast path either leaves the file (null) or
 * gives exactly what the general path gives (names in order, dtypes, shapes, strides, where each
 * tensor's bytes are in the file, metadata in order); and {@link SafetensorsReader#read}, which tries the
 * fast path first, gives exactly the general path's result or refusal (reason and message). Inputs: every
 * safetensors file of the repository's test resources, the fuzz corpus, hand-written edge cases and
 * seeded random headers and byte mutations of them.
 */
class CanonicalHeaderDifferentialTest {
    private static final Path FILE = Path.of("differential.safetensors");
    private static final Path REPO = Path.of("..");
    private static final List<LoadOptions> OPTIONS = List.of(
            LoadOptions.defaults(),
            LoadOptions.builder().maxJsonDepth(2).maxRank(1).maxTensors(2).build(),
            LoadOptions.builder().maxJsonDepth(3).maxStringLength(5).maxContainerItems(1).build(),
            LoadOptions.builder().maxStringLength(12).maxRank(2).maxTensors(3).maxContainerItems(2).build(),
            LoadOptions.builder().maxJsonDepth(1).maxHeaderBytes(200).build());

    private enum Way { READ, READ_PREFIX, READ_SHORT_PREFIX, GENERAL, CANONICAL }

    /** Reads {@code bytes} one way; null when the canonical path leaves it. */
    private static String run(byte[] bytes, LoadOptions options, Way how) {
        Arena arena = Arena.ofShared();
        MemorySegment file = arena.allocate(Math.max(1, bytes.length)).asSlice(0, bytes.length);
        MemorySegment.copy(bytes, 0, file, ValueLayout.JAVA_BYTE, 0, bytes.length);
        file = file.asReadOnly();
        try {
            BasicTensorFile f = switch (how) {
                case READ -> SafetensorsReader.read(FILE, file, arena, options);
                // the file's first bytes read into an array as the mapping is made: all of them, or too few
                // for the header (the mapping is then read)
                case READ_PREFIX -> SafetensorsReader.read(FILE, file, arena, options, bytes.clone());
                case READ_SHORT_PREFIX -> SafetensorsReader.read(FILE, file, arena, options,
                        Arrays.copyOf(bytes, bytes.length / 2));
                case GENERAL -> SafetensorsReader.general(FILE, file, SafetensorsReader.headerLength(FILE, file, options),
                        arena, options);
                case CANONICAL -> CanonicalHeader.read(FILE, file, SafetensorsReader.headerLength(FILE, file, options),
                        arena, options);
            };
            if (f == null) {
                arena.close();
                return null;
            }
            try (f) {
                return describe(f, file);
            }
        } catch (PtsafeException e) {
            arena.close();
            return "refused " + e.reason() + ": " + e.getMessage();
        }
    }

    private static String describe(BasicTensorFile f, MemorySegment file) {
        StringBuilder sb = new StringBuilder("read ").append(f.format()).append(' ').append(f.path()).append('\n');
        for (Tensor t : f.tensors()) {
            sb.append(t.name()).append(' ').append(t.dtype()).append(Arrays.toString(t.shape()))
                    .append(" strides ").append(Arrays.toString(t.strides()))
                    .append(" at ").append(t.storage().address() - file.address()).append('+').append(t.storageOffset())
                    .append(" bytes ").append(t.byteSize()).append(" view ").append(t.isView())
                    .append(" found ").append(f.findTensor(t.name()).orElseThrow() == t).append('\n');
        }
        sb.append("metadata");
        for (Map.Entry<String, String> e : f.metadata().entrySet()) {
            sb.append(' ').append(e.getKey()).append('=').append(e.getValue());
        }
        return sb.toString();
    }

    /** Counts of what the fast path did. */
    private static final class Tally {
        int cases;
        int canonical;
        int generalRead;

        void add(Tally o) {
            cases += o.cases;
            canonical += o.canonical;
            generalRead += o.generalRead;
        }

        @Override
        public String toString() {
            return cases + " cases, " + canonical + " read by the fast path, " + generalRead
                    + " read by the general path only";
        }
    }

    /** Asserts the three ways agree on {@code bytes} under every option set. */
    private static Tally agree(byte[] bytes, String label) {
        Tally t = new Tally();
        for (LoadOptions o : OPTIONS) {
            t.add(agree(bytes, o, label));
        }
        return t;
    }

    private static Tally agree(byte[] bytes, LoadOptions o, String label) {
        String general = run(bytes, o, Way.GENERAL);
        String canonical = run(bytes, o, Way.CANONICAL);
        String read = run(bytes, o, Way.READ);
        String what = label + " under " + o;
        assertEquals(general, read, what);
        assertEquals(general, run(bytes, o, Way.READ_PREFIX), what + ", header from a prefix");
        assertEquals(general, run(bytes, o, Way.READ_SHORT_PREFIX), what + ", a prefix too short");
        if (canonical != null) {
            assertEquals(general, canonical, what);
        }
        Tally t = new Tally();
        t.cases = 1;
        if (canonical != null && canonical.startsWith("read ")) {
            t.canonical = 1;
        } else if (general.startsWith("read ")) {
            t.generalRead = 1;
        }
        return t;
    }

    static byte[] file(byte[] header, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        for (int i = 0; i < dataBytes; i++) {
            b.put((byte) (i * 31 + 7));
        }
        return b.array();
    }

    static byte[] file(String header, int dataBytes) {
        return file(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    // --- corpora -------------------------------------------------------------------------------------

    @Test
    void everySafetensorsFileOfTheRepository() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(REPO)) {
            files = s.filter(p -> p.toString().endsWith(".safetensors") && Files.isRegularFile(p))
                    .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.git/"))
                    .sorted().toList();
        }
        assertTrue(files.size() >= 20, "found only " + files);
        Tally t = new Tally();
        for (Path p : files) {
            t.add(agree(Files.readAllBytes(p), p.toString()));
        }
        // the reference's own fixtures are canonical: the fast path must read them
        for (String name : List.of("all_dtypes", "zero_size_and_scalar", "unpadded", "empty", "whitespace")) {
            Path p = TestFiles.RESOURCES.resolve(name + ".safetensors");
            assertEquals(1, agree(Files.readAllBytes(p), LoadOptions.defaults(), p.toString()).canonical, p.toString());
        }
        assertTrue(t.canonical > 0, t.toString());
    }

    @Test
    void fuzzCorpus() throws IOException {
        Path dir = REPO.resolve("ptsafe-fuzz/src/test/resources/io/ptsafe/fuzz/SafetensorsHeaderFuzzTestInputs");
        List<Path> inputs;
        try (Stream<Path> s = Files.walk(dir)) {
            inputs = s.filter(Files::isRegularFile).sorted().toList();
        }
        assertTrue(!inputs.isEmpty(), "no fuzz corpus in " + dir.toAbsolutePath().normalize());
        Tally t = new Tally();
        for (Path p : inputs) {
            // framed as SafetensorsHeaderFuzzTest frames them: the header, then the buffer length (2 bytes LE)
            byte[] in = Files.readAllBytes(p);
            int data = in.length >= 2 ? (in[in.length - 2] & 0xff) | (in[in.length - 1] & 0xff) << 8 : 0;
            byte[] header = in.length >= 2 ? Arrays.copyOf(in, in.length - 2) : in;
            t.add(agree(file(header, data), p.toString()));
            t.add(agree(Files.readAllBytes(p), p + " as a file"));
        }
        assertTrue(t.cases > 0, t.toString());
    }

    // --- hand-written edge cases ---------------------------------------------------------------------

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return TestFiles.entry(name, dtype, shape, begin, end);
    }

    @Test
    void edgeCases() {
        String a = entry("a", "F32", "2", 0, 8);
        String b = entry("b", "F32", "1", 8, 12);
        String meta = "\"__metadata__\":{\"format\":\"pt\",\"k\":\"v\"}";
        List<Object[]> cases = new ArrayList<>();
        // canonical, each must be read by the fast path (checked below)
        String[] canonical = {
            "{}", "{" + a + "}", "{" + a + "," + b + "}", "{" + meta + "," + a + "," + b + "}",
            "{" + a + "," + meta + "," + b + "}", "{" + a + "," + b + "," + meta + "}",
            "{\"__metadata__\":{}," + a + "}",
            " \t\r\n{ \"a\" : { \"shape\" : [ 2 ] , \"data_offsets\" : [ 0 , 8 ] , \"dtype\" : \"F32\" } }  \n\t\r ",
            "{\"a\":{\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[2]}}",
            "{" + entry("s", "F32", "", 0, 4) + "}", // scalar
            "{" + entry("z", "F32", "0", 0, 0) + "," + entry("y", "F32", "2,0", 0, 0) + "," + a.replace("0,8", "0,8") + "}",
            "{" + entry("z", "F32", "9223372036854775807,0", 0, 0) + "}",
            "{" + entry("", "U8", "1", 0, 1) + "}", // an empty name
            "{" + entry("a\u007fb", "U8", "1", 0, 1) + "}", // DEL is printable JSON
            "{" + entry("x.y/z:w[0]{1}", "BOOL", "1", 0, 1) + "}",
            "{" + entry("q", "F4", "2", 0, 1) + "}", // two 4-bit values, one byte
            "{" + entry("d", "F64", "1,1,1,1", 0, 8) + "}",
            "{" + b.replace("8,12", "0,4") + "," + a.replace("0,8", "4,12") + "}", // out of offset order
            "{" + entry("z2", "U8", "0", 2, 2) + "," + entry("y", "U8", "2", 2, 4) + "," + entry("z0", "U8", "0", 0, 0)
                    + "," + entry("x", "U8", "2", 0, 2) + "," + entry("z4", "U8", "0", 4, 4) + "}",
        };
        int[] canonicalData = {0, 8, 12, 12, 12, 12, 8, 8, 8, 4, 8, 0, 1, 1, 1, 1, 8, 12, 4};
        for (int i = 0; i < canonical.length; i++) {
            byte[] f = file(canonical[i], canonicalData[i]);
            assertEquals(1, agree(f, LoadOptions.defaults(), canonical[i]).canonical, canonical[i]);
            cases.add(new Object[] {canonical[i], f});
        }
        // left to the general path (accepted or refused there)
        String[] other = {
            "{" + a + "," + a.replace("0,8", "8,16") + "}", // duplicate tensor names
            "{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
            "{" + meta + "," + meta + "," + a + "}", "{\"__metadata__\":{\"k\":\"v\",\"k\":\"w\"}," + a + "}",
            "{\"__metadata__\":{\"k\":1}," + a + "}", "{\"__metadata__\":null," + a + "}",
            "{\"__metadata__\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}",
            "{\"__metadata__\":{\"shape\":[2]}}",
            // out of offset order: a zero-size tensor inside another, overlaps, a hole
            "{" + entry("z", "U8", "0", 0, 0) + "," + entry("y", "U8", "10", 0, 10) + "," + entry("x", "U8", "0", 5, 5) + "}",
            "{" + entry("y", "U8", "6", 4, 10) + "," + entry("x", "U8", "6", 0, 6) + "}",
            "{" + entry("y", "U8", "4", 6, 10) + "," + entry("x", "U8", "4", 0, 4) + "}",
            "{" + entry("y", "U8", "4", 4, 8) + "," + entry("x", "U8", "4", 0, 4) + "," + entry("w", "U8", "4", 4, 8) + "}",
            "{" + entry("a", "F32", "2", 0, 9) + "}", "{" + entry("a", "F32", "2", 8, 0) + "}",
            "{" + entry("a", "F32", "2", 4, 12) + "}", "{" + entry("q", "F4", "3", 0, 2) + "}",
            "{" + entry("o", "F32", "9223372036854775807,2", 0, 0) + "}",
            "{" + entry("o", "F32", "4611686018427387904,2", 0, 0) + "}",
            "{" + entry("o", "F32", "9223372036854775808", 0, 0) + "}",
            "{" + entry("o", "F32", "18446744073709551615", 0, 0) + "}",
            "{" + entry("o", "F32", "18446744073709551616", 0, 0) + "}",
            "{" + entry("o", "F32", "99999999999999999999999", 0, 0) + "}",
            "{" + entry("o", "F32", "00", 0, 0) + "}", "{" + entry("o", "F32", "01", 0, 4) + "}",
            "{" + entry("o", "F32", "-0", 0, 0) + "}", "{" + entry("o", "F32", "-1", 0, 0) + "}",
            "{" + entry("o", "F32", "1e0", 0, 4) + "}", "{" + entry("o", "F32", "1E0", 0, 4) + "}",
            "{" + entry("o", "F32", "1.0", 0, 4) + "}", "{" + entry("o", "F32", "+1", 0, 4) + "}",
            "{" + entry("o", "F32", "1 1", 0, 4) + "}", "{" + entry("o", "F32", "1,", 0, 4) + "}",
            "{" + entry("o", "F32", ",1", 0, 4) + "}", "{" + entry("o", "F32", "[1]", 0, 4) + "}",
            "{" + entry("o", "F32", "1", 0, 4).replace("[0,4]", "[0,4,4]") + "}",
            "{" + entry("o", "F32", "1", 0, 4).replace("[0,4]", "[4]") + "}",
            "{" + entry("o", "F32", "1", 0, 4).replace("[0,4]", "[0,04]") + "}",
            "{" + entry("o", "f32", "1", 0, 4) + "}", "{" + entry("o", "C128", "1", 0, 16) + "}",
            "{\"o\":{\"dtype\":1,\"shape\":[1],\"data_offsets\":[0,4]}}",
            "{\"o\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}",
            "{\"o\":{\"dtype\":\"F32\",\"shape\":[1]}}", "{\"o\":{}}", "{\"o\":[]}", "{\"o\":null}",
            "{" + entry("\u00e9", "F32", "1", 0, 4) + "}", "{" + entry("\u65e5\u672c", "F32", "1", 0, 4) + "}",
            "{" + entry("\\u00e9", "F32", "1", 0, 4) + "}", "{" + entry("a\\\"b", "F32", "1", 0, 4) + "}",
            "{" + entry("a\\\\b", "F32", "1", 0, 4) + "}",
            "{" + entry("a", "F32", "1", 0, 4) + "," + entry("\\u0061", "F32", "1", 4, 8) + "}", // the same name twice
            "{" + entry("\\ud800", "F32", "1", 0, 4) + "}", "{" + entry("a\tb", "F32", "1", 0, 4) + "}",
            "{" + a + "}x", "{" + a + "}\0", "\0{" + a + "}", "\uFEFF{" + a + "}", "{" + a + ",}", "{," + a + "}",
            "{" + a + "}{}", "{/*c*/" + a + "}", "{'a':1}", "", "   ", "[]", "{", "{\"a\"", "{\"a\":",
            "{\"a\":{\"dtype\":\"F32\"", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,",
            "{" + a.replace("\"dtype\"", "\"dtype\" ") + "}", "{\"a\":{\"dtype\" \"F32\"}}",
            // the dtype last matched, read in one word: names it prefixes, escapes, spaces, short and long names
            "{" + a + "," + b.replace("\"F32\"", "\"F3\"") + "}", "{" + a + "," + b.replace("\"F32\"", "\"F322\"") + "}",
            "{" + a + "," + b.replace("\"F32\"", "\"F32\\\"\"") + "}", "{" + a + "," + b.replace("\"F32\"", "\"F3\\u0032\"") + "}",
            "{" + a + "," + b.replace("\"F32\"", " \"F32\" ") + "}", "{" + a + "," + b.replace("\"F32\"", "\"F32 \"") + "}",
            "{" + entry("u", "U8", "4", 0, 4) + "," + entry("v", "U8", "4", 4, 8) + "," + entry("w", "U16", "2", 8, 12) + "}",
            "{" + entry("u", "BOOL", "4", 0, 4) + "," + entry("v", "BOOL", "4", 4, 8) + "," + entry("w", "BOOL", "4", 8, 12) + "}",
            "{" + entry("u", "F8_E4M3", "4", 0, 4) + "," + entry("v", "F8_E4M3", "4", 4, 8) + "," + entry("w", "I8", "4", 8, 12) + "}",
            "{\"a\":{\"shape\":[2],\"data_offsets\":[0,8],\"dtype\":\"F32\"},\"b\":{\"shape\":[1],\"data_offsets\":[8,12],\"dtype\":\"F32\"}}",
        };
        int[] data = {4, 8, 10, 12, 16};
        for (String h : other) {
            for (int d : data) {
                cases.add(new Object[] {h, file(h, d)});
            }
        }
        Tally t = new Tally();
        for (Object[] c : cases) {
            t.add(agree((byte[]) c[1], (String) c[0]));
        }
        // valid files with non-ASCII or escaped names: the general path reads them
        assertTrue(t.generalRead > 0, t.toString());
    }

    /**
     * Strings are scanned eight bytes at a time: a byte the fast path must stop at (quote, backslash,
     * control, DEL, over 0x7F) at every place of a name, in names of every length around the word size,
     * and with the name last in the header (its scan reaching the end of the array), and numbers around
     * the 18 and 19 digits where overflow begins.
     */
    @Test
    void wordBoundaries() {
        byte[] specials = {'"', '\\', 0x01, 0x1f, 0x7f, (byte) 0x80, (byte) 0xc3, (byte) 0xff, ' ', '\'' };
        Tally t = new Tally();
        for (int length = 0; length <= 20; length++) {
            for (int at = -1; at < length; at++) {
                for (byte special : at < 0 ? new byte[] {'a'} : specials) {
                    byte[] name = new byte[length];
                    Arrays.fill(name, (byte) 'n');
                    if (at >= 0) {
                        name[at] = special;
                    }
                    String n = new String(name, StandardCharsets.ISO_8859_1);
                    for (String h : List.of("{" + entry(n, "U8", "2", 0, 2) + "}",
                            "{\"__metadata__\":{\"k\":\"" + n + "\"}}", "{\"" + n + "\"")) {
                        byte[] header = h.getBytes(StandardCharsets.ISO_8859_1);
                        t.add(agree(file(header, h.startsWith("{\"__") ? 0 : 2), LoadOptions.defaults(), h));
                    }
                }
            }
        }
        assertTrue(t.canonical >= 21 * 2, t.toString());
        for (String number : List.of("999999999999999999", "1000000000000000000", "9223372036854775807",
                "9223372036854775808", "9999999999999999999", "10000000000000000000", "09223372036854775807")) {
            for (String shape : List.of(number + ",0", "0," + number, number)) {
                String h = "{" + entry("n", "U8", shape, 0, 0) + "}";
                t.add(agree(file(h, 0), LoadOptions.defaults(), h));
            }
        }
    }

    /**
     * Numbers are read eight bytes at a time, then byte by byte: every length from 1 to 21 digits, with
     * and without a leading zero, at every place in the word (the name's length moves them), followed by
     * each byte a number can meet (',', ']', whitespace, a letter, a '.', a '-', a byte over 0x7F) or by
     * the end of the header, as a dimension and as offsets; the keys written with a space before their
     * colon too, which the word comparison of keys leaves to the string scan.
     */
    @Test
    void numbersAtEveryLengthAndPlace() {
        String digits = "918273645546372819091";
        Tally t = new Tally();
        for (int length = 1; length <= digits.length(); length++) {
            String number = digits.substring(0, length);
            for (String n : List.of(number, "0" + number.substring(1), "1" + "0".repeat(length - 1))) {
                for (int shift = 0; shift < 8; shift++) {
                    String name = "t".repeat(shift + 1);
                    for (String after : List.of("", " ", "\n", "x", ".5", "-", "\u00e9", "e3")) {
                        for (String h : List.of(
                                "{" + entry(name, "U8", n + after + ",0", 0, 0) + "}",
                                "{" + entry(name, "U8", "0," + n + after, 0, 0) + "}",
                                "{\"" + name + "\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[" + n + after + ","
                                        + n + "]}}",
                                "{\"" + name + "\":{\"dtype\" :\"U8\",\"shape\" :[" + n + "],\"data_offsets\" :[0," + n + after
                                        + "]}}",
                                "{\"" + name + "\":{\"shape\":[" + n)) {
                            t.add(agree(file(h.getBytes(StandardCharsets.UTF_8), 0), LoadOptions.defaults(), h));
                        }
                    }
                }
            }
        }
        // every length up to 19 digits, at every place, read by the fast path with and without whitespace after
        assertTrue(t.canonical >= 19 * 8 * 2 * 2, t.toString());
    }

    // --- seeded random headers and mutations ---------------------------------------------------------

    private static final String[] DTYPES;

    static {
        List<String> names = new ArrayList<>();
        for (DType d : DType.values()) {
            d.safetensorsName().ifPresent(names::add);
        }
        names.addAll(List.of("C128", "f32", "F31", "", "F32 "));
        DTYPES = names.toArray(String[]::new);
    }

    private static String ws(SplittableRandom r) {
        if (r.nextInt(4) != 0) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(1, 4); i > 0; i--) {
            sb.append(" \t\r\n".charAt(r.nextInt(4)));
        }
        return sb.toString();
    }

    private static String name(SplittableRandom r, List<String> earlier) {
        int kind = r.nextInt(40);
        if (kind == 0 && !earlier.isEmpty()) {
            return earlier.get(r.nextInt(earlier.size())); // a duplicate
        }
        if (kind == 1) {
            return "__metadata__";
        }
        if (kind == 2) {
            return "w\\u00e9"; // an escape
        }
        if (kind == 3) {
            return "\u00e9t\u00e9"; // non-ASCII
        }
        if (kind == 4) {
            return "";
        }
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789._-/";
        StringBuilder sb = new StringBuilder();
        for (int i = r.nextInt(1, 16); i > 0; i--) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** A random header, mostly valid and canonical; {@code dataOut[0]} receives the buffer length it needs. */
    private static String header(SplittableRandom r, long[] dataOut) {
        int count = r.nextInt(7);
        List<String> members = new ArrayList<>();
        List<String> names = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < count; i++) {
            String dtype = r.nextInt(20) == 0 ? DTYPES[r.nextInt(DTYPES.length)] : DTYPES[r.nextInt(DTYPES.length - 5)];
            int rank = r.nextInt(5);
            long[] shape = new long[rank];
            long bits = DType.fromSafetensorsName(dtype).map(DType::bits).orElse(32);
            long elems = 1;
            for (int k = 0; k < rank; k++) {
                shape[k] = r.nextInt(12) == 0 ? 0 : r.nextInt(1, 5);
                elems *= shape[k];
            }
            if (rank > 0 && r.nextInt(30) == 0) {
                // a huge dimension, with or without a zero beside it
                shape[0] = r.nextBoolean() ? Long.MAX_VALUE : (1L << 62) + r.nextInt(3);
                elems = shape[0] * Arrays.stream(shape).skip(1).reduce(1, (x, y) -> x * y);
            }
            long size = elems > 1_000_000 || elems < 0 ? 0 : elems * bits / 8;
            long begin = offset;
            long end = offset + size;
            if (r.nextInt(25) == 0) {
                end += r.nextInt(-2, 3);
            }
            if (r.nextInt(40) == 0) {
                begin += r.nextInt(-2, 3);
            }
            offset = Math.max(offset, end);
            StringBuilder shapeText = new StringBuilder();
            for (int k = 0; k < rank; k++) {
                shapeText.append(k == 0 ? "" : ws(r) + "," + ws(r)).append(shape[k]);
            }
            List<String> fields = new ArrayList<>(List.of(
                    "\"dtype\"" + ws(r) + ":" + ws(r) + "\"" + dtype + "\"",
                    "\"shape\"" + ws(r) + ":" + ws(r) + "[" + ws(r) + shapeText + ws(r) + "]",
                    "\"data_offsets\"" + ws(r) + ":" + ws(r) + "[" + ws(r) + begin + ws(r) + "," + ws(r) + end + ws(r)
                            + "]"));
            if (r.nextInt(3) == 0) {
                Collections.shuffle(fields, new java.util.Random(r.nextLong()));
            }
            if (r.nextInt(60) == 0) {
                fields.remove(r.nextInt(3));
            }
            String name = name(r, names);
            names.add(name);
            members.add("\"" + name + "\"" + ws(r) + ":" + ws(r) + "{" + ws(r) + String.join(ws(r) + "," + ws(r), fields)
                    + ws(r) + "}");
        }
        if (count > 1 && r.nextInt(15) == 0) {
            Collections.shuffle(members, new java.util.Random(r.nextLong())); // out of offset order
        }
        int metas = r.nextInt(30) == 0 ? 2 : r.nextInt(3) == 0 ? 1 : 0;
        for (int m = 0; m < metas; m++) {
            StringBuilder meta = new StringBuilder("\"__metadata__\"" + ws(r) + ":" + ws(r) + "{" + ws(r));
            int entries = r.nextInt(4);
            for (int e = 0; e < entries; e++) {
                meta.append(e == 0 ? "" : ws(r) + "," + ws(r)).append('"').append(name(r, List.of())).append("\"")
                        .append(ws(r)).append(':').append(ws(r)).append(r.nextInt(20) == 0 ? "1" : "\"v" + e + "\"");
            }
            meta.append(ws(r)).append('}');
            members.add(r.nextInt(members.size() + 1), meta.toString());
        }
        dataOut[0] = offset + (r.nextInt(25) == 0 ? r.nextInt(-1, 2) : 0);
        if (dataOut[0] < 0) {
            dataOut[0] = 0;
        }
        return ws(r) + "{" + ws(r) + String.join(ws(r) + "," + ws(r), members) + ws(r) + "}" + ws(r);
    }

    private static final byte[] INTERESTING = "{}[]\":,0123456789-+.eE \t\r\n\\u\0\u007fa_".getBytes(StandardCharsets.ISO_8859_1);

    private static byte[] mutate(SplittableRandom r, byte[] h) {
        byte[] out = h;
        for (int m = r.nextInt(1, 4); m > 0; m--) {
            int at = out.length == 0 ? 0 : r.nextInt(out.length);
            byte v = r.nextInt(8) == 0 ? (byte) r.nextInt(256) : INTERESTING[r.nextInt(INTERESTING.length)];
            switch (r.nextInt(5)) {
                case 0 -> {
                    if (out.length > 0) {
                        out = out.clone();
                        out[at] = v;
                    }
                }
                case 1 -> { // insert
                    byte[] n = new byte[out.length + 1];
                    System.arraycopy(out, 0, n, 0, at);
                    n[at] = v;
                    System.arraycopy(out, at, n, at + 1, out.length - at);
                    out = n;
                }
                case 2 -> { // delete
                    if (out.length > 0) {
                        byte[] n = new byte[out.length - 1];
                        System.arraycopy(out, 0, n, 0, at);
                        System.arraycopy(out, at + 1, n, at, out.length - at - 1);
                        out = n;
                    }
                }
                case 3 -> { // duplicate a slice
                    int len = Math.min(out.length - at, r.nextInt(1, 40));
                    byte[] n = new byte[out.length + len];
                    System.arraycopy(out, 0, n, 0, at + len);
                    System.arraycopy(out, at, n, at + len, out.length - at);
                    out = n;
                }
                default -> { // a digit changed: offsets and shapes that no longer add up
                    for (int i = at; i < out.length; i++) {
                        if (out[i] >= '0' && out[i] <= '9') {
                            out = out.clone();
                            out[i] = (byte) ('0' + r.nextInt(10));
                            break;
                        }
                    }
                }
            }
        }
        return out;
    }

    @Test
    void seededRandomHeadersAndMutations() {
        SplittableRandom r = new SplittableRandom(17);
        Tally t = new Tally();
        long[] data = new long[1];
        for (int i = 0; i < 12_000; i++) {
            String h = header(r, data);
            byte[] bytes = h.getBytes(StandardCharsets.UTF_8);
            int d = (int) Math.min(data[0], 1 << 16);
            LoadOptions o = OPTIONS.get(r.nextInt(4) == 0 ? r.nextInt(OPTIONS.size()) : 0);
            t.add(agree(file(bytes, d), o, "seed 17 case " + i + ": " + h));
            byte[] m = mutate(r, bytes);
            t.add(agree(file(m, d), o, "seed 17 mutation " + i + ": " + new String(m, StandardCharsets.ISO_8859_1)));
        }
        // both paths are exercised: a good share read fast, some only by the general path
        assertTrue(t.canonical > t.cases / 5, t.toString());
        assertTrue(t.generalRead > 0, t.toString());
    }
}
