package io.ptsafe.pickle.torchscript;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.ContainerKind;
import io.ptsafe.DType;
import io.ptsafe.FileFormat;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.Fixtures;
import io.ptsafe.pickle.Json;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every TorchScript archive torch 1.13 wrote (script and trace of four models) opens, with the
 * opt-in, to the eager model's state_dict (saved beside it by torch.save): the same names in the
 * same order as torch.jit.load(...).state_dict(), each tensor byte for byte, plus the constants.
 */
class TorchScriptFixturesTest {
    static final Path DIR = Fixtures.TORCH.resolve("torchscript");
    static final LoadOptions OPT_IN = LoadOptions.builder().allowTorchScriptWeights(true).build();

    @TestFactory
    Stream<DynamicTest> everyArchiveHoldsTheEagerStateDict() throws Exception {
        Map<String, Object> expected = Json.obj(Json.read(DIR.resolve("expected.json")));
        assertEquals(8, expected.size());
        return expected.entrySet().stream().map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            Map<String, Object> exp = Json.obj(e.getValue());
            try (TensorFile ts = SafeLoader.open(DIR.resolve(e.getKey()), OPT_IN);
                    TensorFile state = SafeLoader.open(DIR.resolve((String) exp.get("state")))) {
                assertEquals(FileFormat.TORCHSCRIPT, ts.format());
                List<Object> names = Json.arr(exp.get("names"));
                List<Object> constants = Json.arr(exp.get("constants"));
                List<String> got = ts.tensors().stream().map(Tensor::name).toList();
                assertEquals(names, got.subList(0, names.size()), "state_dict names, in torch's order");
                assertEquals(names.size() + constants.size(), got.size(), "tensors: " + got);
                assertEquals(state.tensors().stream().map(Tensor::name).sorted().toList(),
                        names.stream().map(String.class::cast).sorted().toList());
                for (Tensor want : state.tensors()) {
                    Tensor t = ts.tensor(want.name());
                    assertEquals(want.dtype(), t.dtype(), want.name());
                    assertArrayEquals(want.shape(), t.shape(), want.name());
                    assertArrayEquals(bytes(want), bytes(t), want.name());
                }
                for (Object o : constants) {
                    Map<String, Object> c = Json.obj(o);
                    Tensor t = ts.tensor((String) c.get("name"));
                    assertEquals(c.get("hex"), HexFormat.of().formatHex(bytes(t)), c.get("name").toString());
                    assertEquals(DType.F32, t.dtype());
                }
                assertEquals("torchscript", ts.metadata().get("ptsafe.source"));
            }
        }));
    }

    @Test
    void refusedByDefaultWithHowToOptIn() {
        PtsafeException e = assertThrows(PtsafeException.class, () -> SafeLoader.open(DIR.resolve("mlp.script.pt")));
        assertEquals(Reason.UNSUPPORTED_FORMAT, e.reason());
        assertTrue(e.getMessage().contains("allowTorchScriptWeights(true)"), e.getMessage());
        assertTrue(e.getMessage().contains("--allow-torchscript-weights"), e.getMessage());
    }

    @Test
    void scanIsUnsafeWithTheOperatorsListed() throws Exception {
        for (LoadOptions o : List.of(LoadOptions.defaults(), OPT_IN)) {
            ScanReport r = SafeLoader.scan(DIR.resolve("cnn.script.pt"), o);
            assertEquals(ScanReport.Verdict.UNSAFE, r.verdict(), r.findings().toString());
            assertEquals(ContainerKind.TORCHSCRIPT, r.container());
            assertEquals(1, r.findings(ScanRule.TORCHSCRIPT_PROGRAM).size());
            List<String> ops = r.findings(ScanRule.TORCHSCRIPT_OPERATOR).stream().map(f -> f.message()).toList();
            assertTrue(ops.stream().anyMatch(m -> m.startsWith("aten::conv2d called 1 time")), ops.toString());
            assertTrue(ops.stream().anyMatch(m -> m.startsWith("prim::RaiseException")), ops.toString());
            assertTrue(r.findings(ScanRule.TORCHSCRIPT_SYSTEM_ACCESS).isEmpty(), r.findings().toString());
            assertEquals(o.allowTorchScriptWeights(), r.tensors().isPresent());
        }
        for (String name : Json.obj(Json.read(DIR.resolve("expected.json"))).keySet()) {
            ScanReport r = SafeLoader.scan(DIR.resolve(name), OPT_IN);
            assertEquals(ScanReport.Verdict.UNSAFE, r.verdict(), name);
            assertTrue(r.findings(ScanRule.TORCHSCRIPT_SYSTEM_ACCESS).isEmpty(), name + ": " + r.findings());
            assertTrue(r.tensors().isPresent(), name);
        }
    }

    static byte[] bytes(Tensor t) {
        byte[] b = new byte[(int) t.byteSize()];
        t.copyInto(b, 0);
        return b;
    }
}
