package io.ptsafe.pickle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LoadOptions#DEFAULT_MAX_DECODED_BYTES} against state dicts written opcode for opcode as
 * torch 1.13's {@code torch.save} writes them (protocol 2, every value memoized, SETITEMS in batches
 * of 1,000): 100,000 tensors load at the default with room to spare, and a pickle of the same shape
 * well past it is refused by the budget.
 */
class StateDictBudgetTest {
    private static final String[] PARTS = {"attn.q", "attn.k", "attn.v", "attn.o", "mlp.up", "mlp.down", "mlp.gate", "norm"};

    @TempDir
    Path dir;

    @Test
    void hundredThousandTensorsLoadAtTheDefault() throws IOException {
        int n = 100_000;
        Map<String, byte[]> storages = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            storages.put(Integer.toString(i), new byte[4]);
        }
        Path file = TorchZips.checkpoint(dir.resolve("sd.pt"), stateDict(n, true), storages);
        // With headroom: it opens with 80% of the default (it is charged ~580 bytes a tensor, 55.5 MiB).
        LoadOptions tighter = LoadOptions.builder().maxDecodedBytes(LoadOptions.DEFAULT_MAX_DECODED_BYTES * 4 / 5).build();
        try (TensorFile f = SafeLoader.open(file, tighter)) {
            assertEquals(n, f.tensors().size());
        }
    }

    @Test
    void farMoreTensorsOfTheSameShapeAreRefused() throws IOException {
        // 240,000 tensors (1.9 million memo entries, under maxMemoEntries) over one storage, charged
        // ~460 bytes a tensor (105 MiB, 1.3x the default; they would load at the 120 MiB of before):
        // the budget refuses them while they are converted.
        Path file = TorchZips.checkpoint(dir.resolve("big.pt"), stateDict(240_000, false), Map.of("0", new byte[4]));
        LimitExceededException x = assertThrows(LimitExceededException.class, () -> SafeLoader.open(file).close());
        assertEquals(Reason.PICKLE_LIMIT, x.reason());
        assertEquals("maxDecodedBytes", x.setting(), x.getMessage());
        assertEquals(LoadOptions.DEFAULT_MAX_DECODED_BYTES, x.limit());
        assertTrue(x.getMessage().contains("archive/data.pkl"), x.getMessage());
    }

    /**
     * An OrderedDict of {@code n} F32 tensors of shape (1, 1), named like a transformer's weights,
     * each over storage {@code str(i)} ({@code distinct}) or all over storage "0".
     */
    static byte[] stateDict(int n, boolean distinct) {
        Out o = new Out();
        o.raw(0x80, 2);
        o.global("collections", "OrderedDict");
        int orderedDict = o.put();
        o.raw(')', 'R');
        o.put();
        int rebuild = -1;
        int storage = -1;
        int floatStorage = -1;
        int cpu = -1;
        for (int i = 0; i < n; i++) {
            if (i % 1000 == 0) {
                o.raw(i == 0 ? '(' : 'u');
                if (i > 0) {
                    o.raw('(');
                }
            }
            o.str("model.layers." + i / PARTS.length + "." + PARTS[i % PARTS.length] + ".weight");
            o.put();
            if (i == 0) {
                o.global("torch._utils", "_rebuild_tensor_v2");
                rebuild = o.put();
            } else {
                o.get(rebuild);
            }
            o.raw('(', '(');
            if (i == 0) {
                o.str("storage");
                storage = o.put();
                o.global("torch", "FloatStorage");
                floatStorage = o.put();
            } else {
                o.get(storage);
                o.get(floatStorage);
            }
            o.str(distinct ? Integer.toString(i) : "0");
            o.put();
            if (i == 0) {
                o.str("cpu");
                cpu = o.put();
            } else {
                o.get(cpu);
            }
            o.raw('K', 1, 't');
            o.put();
            o.raw('Q', 'K', 0, 'K', 1, 'K', 1, 0x86);
            o.put();
            o.raw('K', 1, 'K', 1, 0x86);
            o.put();
            o.raw(0x89);
            o.get(orderedDict);
            o.raw(')', 'R');
            o.put();
            o.raw('t');
            o.put();
            o.raw('R');
            o.put();
        }
        o.raw('u', '.');
        return o.b.toByteArray();
    }

    /** Opcodes as torch's pickler writes them, with its memo numbering. */
    private static final class Out {
        final ByteArrayOutputStream b = new ByteArrayOutputStream();
        int memo;

        void raw(int... bytes) {
            for (int x : bytes) {
                b.write(x);
            }
        }

        void global(String module, String name) {
            b.writeBytes(("c" + module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        }

        void str(String s) {
            byte[] u = s.getBytes(StandardCharsets.UTF_8);
            b.write('X');
            le4(u.length);
            b.writeBytes(u);
        }

        int put() {
            if (memo < 256) {
                raw('q', memo);
            } else {
                b.write('r');
                le4(memo);
            }
            return memo++;
        }

        void get(int index) {
            if (index < 256) {
                raw('h', index);
            } else {
                b.write('j');
                le4(index);
            }
        }

        private void le4(int v) {
            raw(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
        }
    }
}
