package io.ptsafe.cli;

import static io.ptsafe.cli.EndToEndTest.json;
import static io.ptsafe.cli.EndToEndTest.list;
import static io.ptsafe.cli.EndToEndTest.obj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every real torch fixture (ptsafe-pickle/src/test/resources/torch/real, written by torch 1.13):
 * inspect --hash agrees with its expected.json (quantization included), and convert either succeeds, passes verify and reads
 * back under the strict reader, or is refused for a reason safetensors forces (a dtype it cannot
 * hold, a tensor with no name) leaving nothing behind.
 */
class RealFixturesTest {
    static final Path REAL = Path.of("../ptsafe-pickle/src/test/resources/torch/real");
    /** What safetensors cannot hold; anything else must convert. */
    static final Set<String> UNWRITABLE = Set.of("quantized", "quantized_packed", "quantized_per_channel",
            "bare_tensor", "dtypes");

    @TempDir
    Path dir;

    static Stream<Path> fixtures() throws IOException {
        try (Stream<Path> s = Files.list(REAL)) {
            return s.filter(p -> p.toString().endsWith(".pt")).sorted().toList().stream();
        }
    }

    static String stem(Path p) {
        String n = p.getFileName().toString();
        return n.substring(0, n.indexOf('.'));
    }

    /** Skips a file the readers refuse (their tests own that); the commands pass the refusal on. */
    static void assumeReadable(Path pt) {
        try (TensorFile f = SafeLoader.open(pt)) {
            f.tensors();
        } catch (IOException e) {
            CliRun r = CliRun.of("convert", pt.toString(), pt.resolveSibling("never-written.safetensors").toString());
            assertEquals(ExitCodes.ERROR, r.code(), r::toString);
            assertEquals(1, r.err().lines().count(), r::toString);
            assertTrue(r.err().contains(e.getMessage()), r::toString);
            assumeTrue(false, "the reader refuses " + pt + ": " + e.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void inspectAgreesWithExpectedJson(Path pt) throws IOException {
        assumeReadable(pt);
        CliRun r = CliRun.of("inspect", "--json", "--hash", pt.toString());
        assertEquals(0, r.code(), r::toString);
        Map<String, Map<String, Object>> expected = new LinkedHashMap<>();
        for (Object t : list(obj(json(Files.readString(REAL.resolve(stem(pt) + ".expected.json")))).get("tensors"))) {
            expected.put((String) obj(t).get("name"), obj(t));
        }
        List<Object> got = list(obj(json(r.out())).get("tensors"));
        assertEquals(expected.keySet(), Set.copyOf(got.stream().map(t -> (String) obj(t).get("name")).toList()));
        for (Object o : got) {
            Map<String, Object> t = obj(o);
            Map<String, Object> e = expected.get((String) t.get("name"));
            assertEquals(e.get("dtype"), t.get("dtype"), t::toString);
            if (!Set.of("QUINT4X2", "QUINT2X4").contains(t.get("dtype"))) {
                // ptsafe counts packed quantized elements in bytes (DType.QUINT4X2), torch in values
                assertEquals(e.get("shape"), t.get("shape"), t::toString);
            }
            assertEquals(e.get("sha256"), t.get("sha256"), t::toString);
            assertEquals(quantization(e.get("quant")), quantization(t.get("quantization")), t::toString);
        }
    }

    /** A quant / quantization object with every number as a double (the two JSON writers spell floats apart). */
    static Object quantization(Object json) {
        if (json == null) {
            return null;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        obj(json).forEach((k, v) -> {
            if (!k.equals("channels")) {
                out.put(k, switch (v) {
                    case List<?> l -> l.stream().map(x -> Double.parseDouble(x.toString())).toList();
                    case String s when k.equals("scheme") -> s;
                    default -> Double.parseDouble(v.toString());
                });
            }
        });
        if (obj(json).get("channels") instanceof Long n) {
            assertEquals(n.intValue(), list(obj(json).get("scales")).size());
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void convertsAndVerifiesOrRefusesCleanly(Path pt) throws IOException {
        assumeReadable(pt);
        Path out = dir.resolve("out.safetensors");
        CliRun r = CliRun.of("convert", pt.toString(), out.toString());
        if (UNWRITABLE.contains(stem(pt))) {
            assertEquals(ExitCodes.ERROR, r.code(), r::toString);
            assertTrue(r.err().contains("[CANNOT_WRITE]") && r.err().lines().count() == 1, r::toString);
            assertEquals(List.of(), EndToEndTest.files(dir));
            return;
        }
        assertEquals(0, r.code(), r::toString);
        try (TensorFile back = SafeLoader.open(out)) {
            assertEquals("pt", back.metadata().get("format"));
        }
        CliRun v = CliRun.of("verify", pt.toString(), out.toString());
        assertEquals(0, v.code(), v::toString);
        assertEquals(List.of(out), EndToEndTest.files(dir));
    }
}
