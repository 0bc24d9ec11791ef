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
 * loaded with and without those globals declared inert.
 */
class InertGlobalsTest {
    static final Path DIR = Fixtures.TORCH.resolve("inert");
    static final Path FILE = DIR.resolve("namespace_numpy.pt");
    static final LoadOptions INERT = LoadOptions.builder()
            .addInertGlobals("argparse.Namespace", "numpy.core.multiarray.scalar", "numpy.dtype").build();

    @Test
    void unknownGlobalsWithoutDeclaration() throws Exception {
        ScanReport r = SafeLoader.scan(FILE);
        assertEquals(Verdict.UNSAFE, r.verdict());
        Set<String> unknown = r.globals().stream().filter(g -> g.kind() == Global.Kind.UNKNOWN).map(Global::resolved)
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of("argparse.Namespace", "numpy.core.multiarray.scalar", "numpy.dtype"), unknown);
        assertEquals(3, r.findings(ScanRule.UNKNOWN_GLOBAL).size());
        Map<String, Object> expected = Json.obj(Json.read(DIR.resolve("namespace_numpy.expected.json")));
        Set<String> all = r.globals().stream().map(Global::resolved).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Json.arr(expected.get("globals"))), all);
        assertTrue(((String) expected.get("weights_only")).contains("argparse.Namespace"), "torch refuses it too");
        assertEquals(Reason.FORBIDDEN_GLOBAL, assertThrows(PtsafeException.class, () -> SafeLoader.open(FILE)).reason());
    }

    @Test
    void safeOnceDeclaredInert() throws Exception {
        ScanReport r = SafeLoader.scan(FILE, INERT);
        assertEquals(Verdict.SAFE, r.verdict(), r.findings().toString());
        assertEquals(3, r.findings(ScanRule.INERT_GLOBAL).size());
        assertEquals(2, r.tensors().orElseThrow().count());
        try (TensorFile f = SafeLoader.open(FILE, INERT)) {
            assertEquals(List.of("model.weight", "model.bias"), f.tensors().stream().map(t -> t.name()).toList());
            PyValue.Dict root = (PyValue.Dict) f.root();
            PyValue.Opaque args = (PyValue.Opaque) root.get("args");
            assertEquals("argparse.Namespace", args.global());
            PyValue.Dict state = (PyValue.Dict) args.state();
            assertEquals(new PyValue.Str("run-1"), state.get("name"));
            assertEquals(PyValue.Int.of(3), state.get("epochs"));
            assertEquals(new PyValue.Float(0.001), state.get("lr"));

            PyValue.Opaque loss = (PyValue.Opaque) root.get("best_loss");
            assertEquals("numpy.core.multiarray.scalar", loss.global());
            PyValue.Opaque dtype = (PyValue.Opaque) loss.args().get(0);
            assertEquals("numpy.dtype", dtype.global());
            assertEquals(new PyValue.Str("f8"), dtype.args().get(0));
            Map<String, Object> expected = Json.obj(Json.read(DIR.resolve("namespace_numpy.expected.json")));
            assertEquals(expected.get("best_loss_hex"), HexFormat.of().formatHex(((PyValue.Bytes) loss.args().get(1)).value()));
            PyValue.Opaque step = (PyValue.Opaque) root.get("step");
            assertEquals(expected.get("step_hex"), HexFormat.of().formatHex(((PyValue.Bytes) step.args().get(1)).value()));
            assertEquals("numpy.dtype", ((PyValue.Opaque) root.get("dtype")).global());
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
