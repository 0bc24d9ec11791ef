package io.ptsafe.pickle.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReport.Global;
import io.ptsafe.scan.ScanReport.Verdict;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.Json;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint torch's weights_only refuses although it holds only data (written by torch 1.13's
 * torch.save: argparse.Namespace and numpy scalars and dtypes next to a state dict), scanned and
 * loaded with and without argparse.Namespace declared inert. The numpy names are in ptsafe's table
 * (decoded as data by default), so they are allowed either way, and declaring them inert changes
 * nothing: the table's meaning comes first.
 */
class InertGlobalsTest {
    static final Path DIR = Fixtures.TORCH.resolve("inert");
    static final Path FILE = DIR.resolve("namespace_numpy.pt");
    static final LoadOptions INERT = LoadOptions.builder()
            .addInertGlobals("argparse.Namespace").build();
    static final LoadOptions ALSO_NUMPY = LoadOptions.builder()
            .addInertGlobals("argparse.Namespace", "numpy.core.multiarray.scalar", "numpy.dtype").build();

    @Test
    void unknownGlobalsWithoutDeclaration() throws Exception {
        ScanReport r = SafeLoader.scan(FILE);
        assertEquals(Verdict.UNSAFE, r.verdict());
        Set<String> unknown = r.globals().stream().filter(g -> g.kind() == Global.Kind.UNKNOWN).map(Global::resolved)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("argparse.Namespace"), unknown);
        assertEquals(1, r.findings(ScanRule.UNKNOWN_GLOBAL).size());
        assertEquals(Set.of("numpy.core.multiarray.scalar", "numpy.dtype"), r.globals().stream()
                .filter(g -> g.resolved().startsWith("numpy") && g.kind() == Global.Kind.ALLOWED).map(Global::resolved)
                .collect(Collectors.toSet()));
        Map<String, Object> expected = Json.obj(Json.read(DIR.resolve("namespace_numpy.expected.json")));
        Set<String> all = r.globals().stream().map(Global::resolved).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Json.arr(expected.get("globals"))), all);
        assertTrue(((String) expected.get("weights_only")).contains("argparse.Namespace"), "torch refuses it too");
        assertEquals(Reason.FORBIDDEN_GLOBAL, assertThrows(PtsafeException.class, () -> SafeLoader.open(FILE)).reason());
    }

    @Test
    void safeOnceDeclaredInert() throws Exception {
        for (LoadOptions o : List.of(INERT, ALSO_NUMPY)) {
            ScanReport r = SafeLoader.scan(FILE, o);
            assertEquals(Verdict.SAFE, r.verdict(), r.findings().toString());
            assertEquals(1, r.findings(ScanRule.INERT_GLOBAL).size());
            assertEquals(2, r.tensors().orElseThrow().count());
            opensWithNumpyValues(o);
        }
    }

    private static void opensWithNumpyValues(LoadOptions options) throws Exception {
        try (TensorFile f = SafeLoader.open(FILE, options)) {
            assertEquals(List.of("model.weight", "model.bias"), f.tensors().stream().map(t -> t.name()).toList());
            PyValue.Dict root = (PyValue.Dict) f.root();
            PyValue.Opaque args = (PyValue.Opaque) root.get("args");
            assertEquals("argparse.Namespace", args.global());
            PyValue.Dict state = (PyValue.Dict) args.state();
            assertEquals(new PyValue.Str("run-1"), state.get("name"));
            assertEquals(PyValue.Int.of(3), state.get("epochs"));
            assertEquals(new PyValue.Float(0.001), state.get("lr"));

            // numpy scalars are numbers (their bytes as the generator recorded them), a bare dtype an opaque value.
            Map<String, Object> expected = Json.obj(Json.read(DIR.resolve("namespace_numpy.expected.json")));
            assertEquals(new PyValue.Float(java.nio.ByteBuffer.wrap(HexFormat.of().parseHex((String) expected.get(
                    "best_loss_hex"))).order(java.nio.ByteOrder.LITTLE_ENDIAN).getDouble()), root.get("best_loss"));
            assertEquals(PyValue.Int.of(java.nio.ByteBuffer.wrap(HexFormat.of().parseHex((String) expected.get(
                    "step_hex"))).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong()), root.get("step"));
            PyValue.Opaque dtype = (PyValue.Opaque) root.get("dtype");
            assertEquals("numpy.dtype", dtype.global());
            assertEquals(List.of(new PyValue.Str("<f4")), dtype.args());
        }
    }

    /** Code-execution families cannot be declared inert: refused when the options are built. */
    @Test
    void dangerousFamiliesCannotBeInert() {
        for (String g : List.of("os.system", "builtins.eval", "posix.system", "subprocess.Popen", "runpy._run_code")) {
            assertThrows(IllegalArgumentException.class, () -> LoadOptions.builder().addInertGlobals(g));
        }
    }
}
