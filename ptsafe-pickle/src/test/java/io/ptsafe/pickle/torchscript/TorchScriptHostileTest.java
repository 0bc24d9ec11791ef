package io.ptsafe.pickle.torchscript;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.TorchZips;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crafted TorchScript archives, made from torch 1.13's mlp.script.pt with data.pkl or code/ changed:
 * each is refused with its reason when opened with the opt-in, and a scan never calls one SAFE.
 */
class TorchScriptHostileTest {
    static final LoadOptions OPT_IN = TorchScriptFixturesTest.OPT_IN;
    static final String ROOT = "mlp.script/";

    @TempDir
    Path dir;

    /** mlp.script.pt with {@code data.pkl} replaced and {@code extra} records added (or replaced). */
    private Path archive(String name, byte[] dataPkl, Map<String, String> extra) throws Exception {
        Map<String, byte[]> e = new LinkedHashMap<>(TorchZips.entries(TorchScriptFixturesTest.DIR.resolve("mlp.script.pt")));
        if (dataPkl != null) {
            e.put(ROOT + "data.pkl", dataPkl);
        }
        extra.forEach((k, v) -> e.put(ROOT + k, v == null ? null : v.getBytes(StandardCharsets.UTF_8)));
        e.values().removeIf(v -> v == null);
        return TorchZips.write(dir.resolve(name + ".pt"), e, false);
    }

    /** A pickle whose root is an object of {@code cls} built from the dict {@code attrs} adds. */
    private static byte[] object(String cls, Consumer<TorchZips.Pkl> attrs) {
        TorchZips.Pkl p = new TorchZips.Pkl().global(cls).op(')', 0x81, 'q', 0, '}', '(');
        attrs.accept(p);
        return p.op('u', 'b').stop();
    }

    private PtsafeException refused(Path p, Reason reason) throws Exception {
        PtsafeException e = assertThrows(PtsafeException.class, () -> SafeLoader.open(p, OPT_IN).close());
        assertEquals(reason, e.reason(), e.getMessage());
        ScanReport r = SafeLoader.scan(p, OPT_IN);
        assertNotEquals(ScanReport.Verdict.SAFE, r.verdict());
        return e;
    }

    @Test
    void theFixtureItselfOpens() throws Exception {
        try (TensorFile f = SafeLoader.open(archive("same", null, Map.of()), OPT_IN)) {
            assertEquals(4, f.tensors().size());
        }
    }

    @Test
    void aTorchClassSpellingARebuildFunctionIsRefused() throws Exception {
        String code = "class _rebuild_tensor_v2(Module):\n  __parameters__ = []\n  __buffers__ = []\n  training : bool\n";
        Path p = archive("collide", object("__torch__.torch._utils._rebuild_tensor_v2", a -> a.str("training")
                .op(0x88)), Map.of("code/__torch__/torch/_utils.py", code));
        PtsafeException e = refused(p, Reason.FORBIDDEN_GLOBAL);
        assertTrue(e.getMessage().contains("spells the torch global torch._utils._rebuild_tensor_v2"), e.getMessage());
        // Mangled the way torch.jit.save mangles class names: the same refusal.
        Path mangled = archive("collide2", null, Map.of("code/__torch__/torch/_utils/___torch_mangle_7.py",
                code.replace("_rebuild_tensor_v2", "_rebuild_parameter")));
        refused(mangled, Reason.FORBIDDEN_GLOBAL);
    }

    @Test
    void aTorchNameNoSourceDeclaresIsForbidden() throws Exception {
        refused(archive("undeclared", object("__torch__.torch._utils._rebuild_tensor_v2", a -> { }), Map.of()),
                Reason.FORBIDDEN_GLOBAL);
    }

    @Test
    void aClassNameWithADotIsRefused() throws Exception {
        // GLOBAL '__torch__' 'MLP.x': the machine's string is a class's, but torch splits module and name.
        TorchZips.Pkl p = new TorchZips.Pkl();
        for (byte b : "c__torch__.torch.nn.modules\nlinear.Linear\n".getBytes(StandardCharsets.US_ASCII)) {
            p.op(b);
        }
        p.op(')', 0x81, '}', '(').str("training").op(0x88).str("weight").op('N').str("bias").op('N').op('u', 'b');
        refused(archive("dotted", p.stop(), Map.of()), Reason.MALFORMED_PICKLE);
    }

    @Test
    void theJitsListHelpersAreData() throws Exception {
        // restore_type_tag([1, 2], "List[int]") and build_intlist([3]) as attributes: the lists, kept in the tree.
        byte[] pkl = object("__torch__.MLP", a -> a.str("tagged").global("torch.jit._pickle.restore_type_tag")
                .op('(', ']', '(', 'K', 1, 'K', 2, 'e').str("List[int]").op('t', 'R')
                .str("ints").global("torch.jit._pickle.build_intlist").op('(', ']', '(', 'K', 3, 'e', 't', 'R'));
        try (TensorFile f = SafeLoader.open(archive("tags", pkl, Map.of()), OPT_IN)) {
            assertEquals(0, f.tensors().size());
            PyValue.Opaque root = assertInstanceOf(PyValue.Opaque.class, f.root());
            PyValue.Dict state = assertInstanceOf(PyValue.Dict.class, root.state());
            assertEquals(new PyValue.PyList(List.of(PyValue.Int.of(1), PyValue.Int.of(2))),
                    state.entries().get(new PyValue.Str("tagged")));
            assertEquals(new PyValue.PyList(List.of(PyValue.Int.of(3))), state.entries().get(new PyValue.Str("ints")));
        }
    }

    @Test
    void noModuleIsRenamed() throws Exception {
        // builtins.complex is in the JIT's table, __builtin__.complex (Python 2's spelling) is not.
        byte[] pkl = object("__torch__.MLP", a -> a.str("c").global("__builtin__.complex").op('G', 0, 0, 0, 0, 0, 0, 0, 0)
                .op('G', 0, 0, 0, 0, 0, 0, 0, 0).op(0x86, 'R'));
        PtsafeException e = refused(archive("renamed", pkl, Map.of()), Reason.MALFORMED_PICKLE);
        assertTrue(e.getMessage().contains("renames no module"), e.getMessage());
    }

    @Test
    void forbiddenGlobalsAreRefused() throws Exception {
        Path os = archive("os", new TorchZips.Pkl().global("os.system").op('(').str("id").op('t', 'R').stop(), Map.of());
        refused(os, Reason.FORBIDDEN_GLOBAL);
        ScanReport r = SafeLoader.scan(os, OPT_IN);
        assertEquals(1, r.findings(ScanRule.DANGEROUS_GLOBAL).size(), r.findings().toString());
        assertTrue(r.findings(ScanRule.DANGEROUS_GLOBAL).getFirst().location().entry().endsWith("/data.pkl"));
        assertEquals("os.system", r.globals().getFirst().resolved());
        // Allowed in a torch.save checkpoint, not read by torch's TorchScript unpickler: forbidden here.
        refused(archive("v1", object("__torch__.MLP", a -> a.str("x").global("torch.nn.parameter.Parameter")), Map.of()),
                Reason.FORBIDDEN_GLOBAL);
        // Read by the JIT, but only meaningful with an in-memory tensor table: refused.
        refused(archive("tensorid", object("__torch__.MLP", a -> a.str("x").global("torch.jit._pickle.build_tensor_from_id")
                .op('(', 'K', 0, 't', 'R')), Map.of()), Reason.FORBIDDEN_GLOBAL);
        refused(archive("main", object("__torch__.MLP", a -> a.str("x").global("__main__.TensorID").op('(', 'K', 0, 't', 'R')),
                Map.of()), Reason.FORBIDDEN_GLOBAL);
    }

    @Test
    void cyclesAmongModulesAreRefused() throws Exception {
        // The root's attribute fc1 is the root itself (BINGET 0 of the object NEWOBJ made).
        refused(archive("self", object("__torch__.MLP", a -> a.str("fc1").op('h', 0)), Map.of()), Reason.CYCLIC_VALUE);
        // Two modules holding each other.
        TorchZips.Pkl p = new TorchZips.Pkl().global("__torch__.MLP").op(')', 0x81, 'q', 0, '}', '(').str("fc1")
                .global("__torch__.torch.nn.modules.linear.Linear").op(')', 0x81, 'q', 1, '}', '(').str("back")
                .op('h', 0).str("weight").op('N').str("bias").op('N').op('u', 'b').op('u', 'b');
        refused(archive("mutual", p.stop(), Map.of()), Reason.CYCLIC_VALUE);
    }

    @Test
    void hugeAttributeDictsMeetTheLimits() throws Exception {
        Path p = archive("wide", object("__torch__.MLP", a -> {
            for (int i = 0; i < 40; i++) {
                a.str("a" + i).op('N');
            }
        }), Map.of());
        LoadOptions small = OPT_IN.toBuilder().maxContainerItems(32).build();
        LimitExceededException e = assertThrows(LimitExceededException.class, () -> SafeLoader.open(p, small).close());
        assertEquals("maxContainerItems", e.setting());
        // A module shared under two names at each of 40 levels: 2^40 paths, refused by the visit count.
        byte[] dag = dagPickle();
        Path dagFile = archive("dag", dag, Map.of());
        // (the default limit, 1,000,000 visits, refuses it too, after 100 times the work)
        LoadOptions tenThousand = OPT_IN.toBuilder().maxContainerItems(10_000).build();
        PtsafeException x = assertThrows(PtsafeException.class, () -> SafeLoader.open(dagFile, tenThousand).close());
        LimitExceededException v = assertInstanceOf(LimitExceededException.class, x, x.getMessage());
        assertEquals("maxContainerItems", v.setting());
        assertTrue(v.getMessage().contains("module objects visited"), v.getMessage());
    }

    /** 41 modules, each but the first holding the previous one twice (fc1, fc2): 2^40 paths from the root. */
    private static byte[] dagPickle() {
        TorchZips.Pkl d = new TorchZips.Pkl();
        level(d, 40);
        return d.stop();
    }

    private static void level(TorchZips.Pkl d, int i) {
        d.global("__torch__.MLP").op(')', 0x81, '}');
        if (i > 0) {
            d.op('(').str("fc1");
            level(d, i - 1);
            d.op('r', i - 1, 0, 0, 0).str("fc2").op('j', i - 1, 0, 0, 0).op('u');
        }
        d.op('b');
    }

    @Test
    void whatTheJitDoesNotReadIsRefused() throws Exception {
        // SHORT_BINUNICODE: valid Python pickle, "Unknown opcode for unpickling" to torch's JIT.
        byte[] shortStr = new TorchZips.Pkl().global("__torch__.MLP").op(')', 0x81, '}', '(', 0x8c, 1, 'x', 'N', 'u', 'b')
                .stop();
        refused(archive("opcode", shortStr, Map.of()), Reason.MALFORMED_PICKLE);
        byte[] proto4 = object("__torch__.MLP", a -> { });
        proto4[1] = 4;
        refused(archive("proto4", proto4, Map.of()), Reason.MALFORMED_PICKLE);
    }

    @Test
    void objectsMustBeBuiltOnceFromADict() throws Exception {
        refused(archive("twice", new TorchZips.Pkl().global("__torch__.MLP").op(')', 0x81, '}', 'b', '}', 'b').stop(),
                Map.of()), Reason.MALFORMED_PICKLE);
        refused(archive("list", new TorchZips.Pkl().global("__torch__.MLP").op(')', 0x81, ']', 'b').stop(), Map.of()),
                Reason.MALFORMED_PICKLE);
        refused(archive("unbuilt", new TorchZips.Pkl().global("__torch__.MLP").op(')', 0x81).stop(), Map.of()),
                Reason.MALFORMED_PICKLE);
        refused(archive("reduce", new TorchZips.Pkl().global("__torch__.MLP").op('}', 0x85, 'R').stop(), Map.of()),
                Reason.UNSUPPORTED_FORMAT);
    }

    @Test
    void aDeclaredParameterMustBeThere() throws Exception {
        byte[] pkl = object("__torch__.torch.nn.modules.linear.Linear", a -> a.str("weight").op('N'));
        PtsafeException e = refused(archive("missing", pkl, Map.of()), Reason.MALFORMED_PICKLE);
        assertTrue(e.getMessage().contains("'bias'"), e.getMessage());
        byte[] notTensor = object("__torch__.torch.nn.modules.linear.Linear", a -> a.str("weight").str("w").str("bias")
                .op('N'));
        refused(archive("str", notTensor, Map.of()), Reason.INVALID_TENSOR_ARGUMENTS);
    }

    @Test
    void aClassWithSetStateIsRefused() throws Exception {
        String code = "class MLP(Module):\n  __parameters__ = []\n  __buffers__ = []\n  training : bool\n"
                + "  def __setstate__(self: __torch__.MLP,\n    state: bool) -> NoneType:\n    return None\n";
        refused(archive("setstate", null, Map.of("code/__torch__.py", code)), Reason.UNSUPPORTED_FORMAT);
    }

    @Test
    void declarationsOnlyAsTorchWritesThem() throws Exception {
        String code = "class MLP(Module):\n  __parameters__ = [\"a\"] + [\"b\"]\n  __buffers__ = []\n";
        refused(archive("expr", null, Map.of("code/__torch__.py", code)), Reason.UNSUPPORTED_FORMAT);
    }

    @Test
    void constantsAreRequired() throws Exception {
        HashMapNull remove = new HashMapNull();
        remove.put("constants.pkl", null);
        refused(archive("noconst", null, remove), Reason.MISSING_RECORD);
    }

    /** A map that takes null values (Map.of does not): null removes the record. */
    private static final class HashMapNull extends LinkedHashMap<String, String> {
    }
}
