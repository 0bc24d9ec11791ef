package io.ptsafe.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands on torch 1.13 TorchScript archives: refused without --allow-torchscript-weights;
 * with it, inspect lists the state_dict names, convert writes the weights with a note that the code
 * was dropped, verify finds the conversion equal to the archive and to the eager state_dict; scan
 * says UNSAFE whatever the flag.
 */
class TorchScriptCommandsTest {
    static final Path DIR = Path.of("../ptsafe-pickle/src/test/resources/torch/torchscript");

    @TempDir
    Path dir;

    @Test
    void refusedWithoutTheFlag() {
        CliRun r = CliRun.of("inspect", DIR.resolve("cnn.script.pt").toString());
        assertEquals(ExitCodes.ERROR, r.code(), r.toString());
        assertTrue(r.err().contains("--allow-torchscript-weights"), r.toString());
    }

    @Test
    void convertAndVerify() throws Exception {
        for (String name : new String[] {"cnn.script.pt", "containers.trace.pt", "custom.trace.pt"}) {
            Path in = DIR.resolve(name);
            Path out = dir.resolve(name + ".safetensors");
            CliRun c = CliRun.of("convert", "--allow-torchscript-weights", in.toString(), out.toString());
            assertEquals(ExitCodes.OK, c.code(), c.toString());
            try (TensorFile f = SafeLoader.open(out)) {
                assertTrue(f.metadata().get("ptsafe.code").startsWith("dropped"), f.metadata().toString());
                assertEquals("torchscript", f.metadata().get("ptsafe.source"));
            }
            CliRun v = CliRun.of("verify", "--allow-torchscript-weights", in.toString(), out.toString());
            assertEquals(ExitCodes.OK, v.code(), v.toString());
            assertTrue(v.out().startsWith("same: "), v.toString());
            // The eager model's state_dict holds each converted weight, byte for byte.
            Path state = DIR.resolve(name.substring(0, name.indexOf('.')) + ".state.pt");
            try (TensorFile f = SafeLoader.open(out); TensorFile s = SafeLoader.open(state)) {
                for (Tensor t : s.tensors()) {
                    assertArrayEquals(bytes(t), bytes(f.tensor(t.name())), name + " " + t.name());
                }
            }
        }
    }

    @Test
    void inspectListsStateDictNames() {
        CliRun r = CliRun.of("inspect", "--allow-torchscript-weights", DIR.resolve("cnn.trace.pt").toString());
        assertEquals(ExitCodes.OK, r.code(), r.toString());
        assertTrue(r.out().contains("bn.running_var"), r.out());
        assertTrue(r.out().contains("head.1.weight"), r.out());
    }

    @Test
    void scanIsUnsafeEitherWay() throws Exception {
        for (String[] args : new String[][] {{"scan"}, {"scan", "--allow-torchscript-weights"}}) {
            String[] all = java.util.Arrays.copyOf(args, args.length + 1);
            all[args.length] = DIR.resolve("custom.script.pt").toString();
            CliRun r = CliRun.of(all);
            assertEquals(ExitCodes.ISSUES, r.code(), r.toString());
            assertTrue(r.out().contains("PTS120"), r.out());
        }
        assertTrue(Files.size(DIR.resolve("custom.script.pt")) < 20_000);
    }

    private static byte[] bytes(Tensor t) {
        byte[] b = new byte[(int) t.byteSize()];
        t.copyInto(b, 0);
        return b;
    }
}
