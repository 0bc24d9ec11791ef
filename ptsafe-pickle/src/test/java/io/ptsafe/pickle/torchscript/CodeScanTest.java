package io.ptsafe.pickle.torchscript;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.ContainerKind;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the code scan lists and flags, on TorchScript text written as torch.jit.save prints it. */
class CodeScanTest {
    static final String CODE = String.join("\n",
            "class M(Module):",
            "  __parameters__ = []",
            "  __buffers__ = []",
            "  def forward(self: __torch__.M,",
            "    x: Tensor) -> Tensor:",
            "    _0 = torch.save(x, \"/tmp/out.pt\")",
            "    y = torch.from_file(\"/etc/passwd\", True, 10)",
            "    z = ops.my_lib.run_shell(x, )",
            "    w = ops.prim.CallFunction(x)",
            "    ops.prim.RaiseException(\"torch.save(x) in a string is text\", \"builtins.ValueError\")",
            "    v = torch.linear(x, y, z)  # torch.load(...) in a comment is text",
            "    u = __torch__.torch.nn.functional.relu(torch.relu(v), )",
            "    print(u)",
            "    return torch.distributed.rpc.rpc_sync(\"w\", u)",
            "");

    private static List<ScanFinding> scan() {
        ScanReport.Builder b = ScanReport.builder(Path.of("m.pt"), ContainerKind.TORCHSCRIPT);
        CodeScan s = new CodeScan(b);
        s.scan("archive/code/__torch__.py", CODE);
        s.finish();
        return b.build().findings();
    }

    @Test
    void flagsWhatReachesTheSystemWithItsLine() {
        List<String> flagged = scan().stream().filter(f -> f.rule() == ScanRule.TORCHSCRIPT_SYSTEM_ACCESS)
                .map(ScanFinding::message).toList();
        assertEquals(5, flagged.size(), flagged.toString());
        assertTrue(flagged.get(0).startsWith("line 6: torch.save (aten::save) reads or writes files"), flagged.get(0));
        assertTrue(flagged.get(1).startsWith("line 7: torch.from_file (aten::from_file)"), flagged.get(1));
        assertTrue(flagged.get(2).startsWith("line 8: ops.my_lib.run_shell (my_lib::run_shell)"), flagged.get(2));
        assertTrue(flagged.get(3).startsWith("line 9: ops.prim.CallFunction (prim::CallFunction)"), flagged.get(3));
        assertTrue(flagged.get(4).startsWith("line 14: torch.distributed.rpc.rpc_sync"), flagged.get(4));
        for (ScanFinding f : scan()) {
            assertEquals("archive/code/__torch__.py", f.location().entry());
        }
    }

    @Test
    void listsEachOperatorOnceAndNeverWhatIsInStringsOrComments() {
        List<String> ops = scan().stream().filter(f -> f.rule() == ScanRule.TORCHSCRIPT_OPERATOR)
                .map(ScanFinding::message).toList();
        assertTrue(ops.contains("aten::relu called 1 time, first at line 12 (torch.relu)"), ops.toString());
        assertTrue(ops.contains("builtin print called 1 time, first at line 13 (print)"), ops.toString());
        assertTrue(ops.contains("prim::RaiseException called 1 time, first at line 10 (ops.prim.RaiseException)"),
                ops.toString());
        assertTrue(ops.stream().noneMatch(m -> m.startsWith("aten::load")), ops.toString());
        assertTrue(ops.stream().filter(m -> m.startsWith("aten::save")).count() == 1, ops.toString());
        // The archive's own functions (__torch__.*) are code, not operators.
        assertTrue(ops.stream().noneMatch(m -> m.contains("functional")), ops.toString());
    }

    @Test
    void theReviewedListsDecide() {
        assertNull(CodeScan.systemAccess("aten::linear"));
        assertNull(CodeScan.systemAccess("prim::RaiseException"));
        assertNull(CodeScan.systemAccess("quantized::linear"));
        assertNull(CodeScan.systemAccess("builtin getattr"));
        assertTrue(CodeScan.systemAccess("aten::save").contains("files"));
        assertTrue(CodeScan.systemAccess("torchvision::nms").contains("custom operator namespace"));
        assertTrue(CodeScan.systemAccess("prim::PythonOp").contains("prim::"));
        assertTrue(CodeScan.systemAccess("aten::_pickle_load_obj").contains("pickles"));
    }
}
