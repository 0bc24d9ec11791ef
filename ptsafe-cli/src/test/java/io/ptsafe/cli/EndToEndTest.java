package io.ptsafe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands on real files: torch checkpoints converted, read back by ptsafe's readers, compared with the reference. */
class EndToEndTest {
    @TempDir
    Path dir;

    /** Parses JSON into nested maps and lists (tests only). */
    static Object json(String text) throws IOException {
        try (JsonParser p = new JsonFactory().createParser(text)) {
            p.nextToken();
            return value(p);
        }
    }

    private static Object value(JsonParser p) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> m = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    p.nextToken();
                    m.put(k, value(p));
                }
                return m;
            }
            case START_ARRAY -> {
                List<Object> l = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    l.add(value(p));
                }
                return l;
            }
            case VALUE_NUMBER_INT -> {
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? p.getBigIntegerValue() : p.getLongValue();
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return p.getBooleanValue();
            }
            case VALUE_NULL -> {
                return null;
            }
            default -> {
                return p.getText();
            }
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    // --- convert + verify -----------------------------------------------------------------------

    @Test
    void convertsTiedWeightsLikeTheReference() throws IOException {
        Path out = dir.resolve("model.safetensors");
        CliRun r = CliRun.of("convert", "--json", Fixtures.convert("tied.pt").toString(), out.toString());
        assertEquals(0, r.code(), r::toString);
        Map<String, Object> report = obj(json(r.out()));
        assertEquals(Map.of("lm_head.weight", "embed.weight"), report.get("aliases_removed"));
        assertEquals(4L, report.get("tensors_written"));

        Path ref = Fixtures.convert("tied.reference.safetensors");
        // the reference keeps metadata in a hash map, so only its key order may differ: same header
        // length, same data bytes, same tensors and metadata read back
        assertEquals(Fixtures.headerLength(ref), Fixtures.headerLength(out));
        assertArrayEquals(Fixtures.dataSection(ref), Fixtures.dataSection(out));
        try (TensorFile a = SafeLoader.open(ref); TensorFile b = SafeLoader.open(out)) {
            assertEquals(a.metadata(), b.metadata());
            assertEquals(a.tensors().stream().map(Tensor::name).toList(), b.tensors().stream().map(Tensor::name).toList());
        }
        CliRun v = CliRun.of("verify", Fixtures.convert("tied.pt").toString(), out.toString());
        assertEquals(0, v.code(), v::toString);
        assertTrue(v.out().contains("same: 5 tensors (1 compared through aliases)"), v::toString);
    }

    @Test
    void aWrappedStateDictConvertsByteForByteAsTheReference() throws IOException {
        Path out = dir.resolve("model.safetensors");
        CliRun r = CliRun.of("convert", Fixtures.convert("wrapped.pt").toString(), out.toString());
        assertEquals(0, r.code(), r::toString);
        assertArrayEquals(Files.readAllBytes(Fixtures.convert("wrapped.reference.safetensors")), Files.readAllBytes(out));
        assertTrue(r.out().contains("not selected     2"), r::toString);
        assertTrue(r.out().contains("epoch") && r.out().contains("name"), r::toString);
        assertEquals(0, CliRun.of("verify", Fixtures.convert("wrapped.pt").toString(), out.toString()).code());
    }

    @Test
    void viewsAreCopiedAndVerified() throws IOException {
        Path out = dir.resolve("views.safetensors");
        CliRun r = CliRun.of("convert", "--json", Fixtures.convert("views.pt").toString(), out.toString());
        assertEquals(0, r.code(), r::toString);
        Map<String, Object> report = obj(json(r.out()));
        assertEquals(Map.of(), report.get("aliases_removed"));
        Map<String, Boolean> copied = new LinkedHashMap<>();
        for (Object t : list(report.get("tensors"))) {
            copied.put((String) obj(t).get("name"), (Boolean) obj(t).get("copied"));
        }
        assertEquals(Map.of("full", false, "row", true, "cols", true, "half_a", true), copied);
        CliRun v = CliRun.of("verify", Fixtures.convert("views.pt").toString(), out.toString());
        assertEquals(0, v.code(), v::toString);
    }

    @Test
    void selectsASubtreeAndListsTheRest() throws IOException {
        Path out = dir.resolve("m.safetensors");
        CliRun r = CliRun.of("convert", "--select", "model", "--json", Fixtures.convert("nested.pt").toString(),
                out.toString());
        assertEquals(0, r.code(), r::toString);
        Map<String, Object> report = obj(json(r.out()));
        List<Object> names = list(report.get("tensors")).stream().map(t -> obj(t).get("name")).toList();
        assertEquals(List.of("enc.w", "dec.w"), names);
        assertTrue(((Long) report.get("not_selected_count")) >= 3, r::toString);
        CliRun v = CliRun.of("verify", "--select", "model", Fixtures.convert("nested.pt").toString(), out.toString());
        assertEquals(0, v.code(), v::toString);
    }

    /** A selection that names nothing is the caller's mistake in the API (unchecked), an error here: exit 2 (ExitCodes.ERROR). */
    @Test
    void aSelectionOfNothingIsOneLineAndAnError() throws IOException {
        CliRun r = CliRun.of("convert", "--select", "nope", Fixtures.convert("nested.pt").toString(),
                dir.resolve("n.safetensors").toString());
        assertEquals(ExitCodes.ERROR, r.code(), r::toString);
        assertTrue(r.err().startsWith("ptsafe: ") && r.err().contains("no tensor under 'nope'")
                && !r.err().contains("internal error"), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);
    }

    @Test
    void convertsALegacyCheckpoint() throws IOException {
        RealFixturesTest.assumeReadable(Fixtures.convert("legacy.pt"));
        Path out = dir.resolve("legacy.safetensors");
        CliRun r = CliRun.of("convert", Fixtures.convert("legacy.pt").toString(), out.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("entries skipped  1"), r::toString); // b_alias: None
        assertEquals(0, CliRun.of("verify", Fixtures.convert("legacy.pt").toString(), out.toString()).code());
    }

    @Test
    void shardsAndReadsTheShardsBack() throws IOException {
        Path out = dir.resolve("sharded/model.safetensors");
        CliRun r = CliRun.of("convert", "--max-shard-size", "60B", Fixtures.convert("tied.pt").toString(), out.toString());
        assertEquals(0, r.code(), r::toString);
        Path index = dir.resolve("sharded/model.safetensors.index.json");
        assertTrue(Files.exists(index), r::toString);
        Map<String, Object> idx = obj(json(Files.readString(index)));
        assertEquals(128L, obj(idx.get("metadata")).get("total_size"));
        assertEquals(4, obj(idx.get("weight_map")).size());
        CliRun v = CliRun.of("verify", Fixtures.convert("tied.pt").toString(), index.toString());
        assertEquals(0, v.code(), v::toString);
        CliRun i = CliRun.of("inspect", index.toString());
        assertEquals(0, i.code(), i::toString);
        assertTrue(i.out().contains("SHARDED"), i::toString);
    }

    @Test
    void writesIntoAFolderAndCreatesMissingParents() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("existing"));
        CliRun r = CliRun.of("convert", Fixtures.convert("wrapped.pt").toString(), folder.toString());
        assertEquals(0, r.code(), r::toString);
        assertEquals(List.of(folder.resolve("model.safetensors")), files(folder));
        Path deep = dir.resolve("a/b/c.safetensors");
        assertEquals(0, CliRun.of("convert", Fixtures.convert("wrapped.pt").toString(), deep.toString()).code());
        assertTrue(Files.isRegularFile(deep));
    }

    @Test
    void verifyListsDifferencesAndExits1() {
        CliRun v = CliRun.of("verify", Fixtures.convert("tied.pt").toString(), Fixtures.convert("wrapped.pt").toString());
        assertEquals(1, v.code(), v::toString);
        assertTrue(v.out().contains("only in"), v::toString);
    }

    @Test
    void bigEndianTensorsAreWrittenLittleEndian() throws IOException {
        Path real = Path.of("../ptsafe-pickle/src/test/resources/torch/real");
        Path out = dir.resolve("be.safetensors");
        try (TensorFile be = SafeLoader.open(real.resolve("dtypes.big_endian.pt"))) {
            // everything but c128, which safetensors cannot hold
            List<Tensor> writable = be.tensors().stream().filter(t -> t.dtype().safetensorsName().isPresent()).toList();
            assertTrue(writable.stream().anyMatch(Tensor::isView), "the storages are big-endian");
            TensorFile subset = new InMemoryFile(be.path(), be.format(), writable, Map.of());
            io.ptsafe.safetensors.SafetensorsConverter.builder().build().convert(subset, out);
        }
        try (TensorFile le = SafeLoader.open(real.resolve("dtypes.pt")); TensorFile back = SafeLoader.open(out)) {
            assertEquals(11, back.tensors().size());
            for (Tensor t : back.tensors()) {
                assertArrayEquals(le.tensor(t.name()).data().toArray(ValueLayout.JAVA_BYTE),
                        t.data().toArray(ValueLayout.JAVA_BYTE), t.name());
            }
        }
    }

    // --- refusals leave nothing behind ------------------------------------------------------------

    @Test
    void complex128IsRefusedAndTheOldTargetKept() throws IOException {
        Path out = dir.resolve("z.safetensors");
        Files.writeString(out, "old");
        CliRun r = CliRun.of("convert", Fixtures.convert("complex128.pt").toString(), out.toString());
        assertEquals(ExitCodes.ERROR, r.code(), r::toString);
        assertEquals(1, r.err().lines().count(), r::toString);
        assertTrue(r.err().contains("C128") && r.err().contains("[CANNOT_WRITE]"), r::toString);
        assertEquals("old", Files.readString(out));
        assertEquals(List.of(out), files(dir));
        CliRun i = CliRun.of("inspect", "--json", Fixtures.convert("complex128.pt").toString());
        assertEquals("C128", obj(list(obj(json(i.out())).get("tensors")).getFirst()).get("dtype"));
    }

    // --- inspect ------------------------------------------------------------------------------

    @Test
    void inspectJsonMatchesTheFileAndItsHashes() throws Exception {
        Path f = Fixtures.writer("mixed.safetensors");
        CliRun r = CliRun.of("inspect", "--json", "--hash", f.toString());
        assertEquals(0, r.code(), r::toString);
        Map<String, Object> top = obj(json(r.out()));
        assertEquals(List.of("format", "metadata", "tensors"), List.copyOf(top.keySet()));
        assertEquals("SAFETENSORS", top.get("format"));
        List<Object> tensors = list(top.get("tensors"));
        assertEquals(20, tensors.size());
        try (TensorFile tf = SafeLoader.open(f)) {
            for (Object o : tensors) {
                Map<String, Object> t = obj(o);
                Tensor x = tf.tensor((String) t.get("name"));
                assertEquals(x.dtype().name(), t.get("dtype"));
                assertEquals(x.byteSize(), t.get("bytes"));
                assertEquals(java.util.Arrays.stream(x.shape()).boxed().toList(), t.get("shape"));
                byte[] bytes = x.data().toArray(ValueLayout.JAVA_BYTE);
                String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
                assertEquals(sha, t.get("sha256"));
            }
        }
        CliRun table = CliRun.of("inspect", f.toString());
        assertEquals(0, table.code());
        assertTrue(table.out().contains("f32.weight") && table.out().contains("[3, 4]"), table::toString);
        assertFalse(table.out().contains("SHA256"));
    }
}
