package io.ptsafe.pickle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LoadOptions#maxDecodedBytes()} at its default: pickles of many small values, each container
 * and the memo within their own limits, are refused by the budget for their sum, in {@code open} and
 * in {@code scan}, before they can take the heap they ask for. Each is a real checkpoint file (a
 * torch zip, STORED) around a hand-made data.pkl.
 */
class DecodedBytesTest {
    @TempDir
    Path dir;

    private Path zip(String name, byte[] dataPkl) throws IOException {
        return TorchZips.checkpoint(dir.resolve(name), dataPkl, Map.of());
    }

    /** Refused by maxDecodedBytes at the defaults, at an opcode of data.pkl; the scan says the same. */
    private static void refusedAtTheDefaults(Path file, boolean scan) throws IOException {
        LimitExceededException x = assertThrows(LimitExceededException.class, () -> SafeLoader.open(file).close());
        assertEquals("maxDecodedBytes", x.setting(), x.getMessage());
        assertEquals(Reason.PICKLE_LIMIT, x.reason());
        assertEquals(LoadOptions.DEFAULT_MAX_DECODED_BYTES, x.limit());
        assertTrue(x.value() > x.limit(), x.getMessage());
        assertEquals(file, x.file());
        assertTrue(x.getMessage().contains("archive/data.pkl, byte "), x.getMessage());
        if (!scan) {
            return;
        }
        ScanReport r = SafeLoader.scan(file, LoadOptions.defaults());
        assertEquals(ScanReport.Verdict.INVALID, r.verdict(), r.findings().toString());
        ScanFinding f = r.findings().stream().filter(g -> g.rule() == ScanRule.PICKLE_LIMIT).findFirst().orElseThrow();
        assertTrue(f.message().contains("LoadOptions.maxDecodedBytes"), f.message());
        assertEquals("archive/data.pkl", f.location().entry());
        assertTrue(f.location().entryOffset() > 0, f.toString());
    }

    @Test
    void severalDictsOfIntKeys() throws IOException {
        // 4 x 300,000 keys: each dict well under maxContainerItems, together ~220 MB of heap.
        assertTrue(300_000 < LoadOptions.DEFAULT_MAX_CONTAINER_ITEMS);
        refusedAtTheDefaults(zip("dicts.pt", HostilePickles.dictsOfIntKeys(4, 300_000)), true);
    }

    @Test
    void listsOfManyNone() throws IOException {
        // 26 lists of 1,000,000 None: 26 MB of pickle, 4 to 10 bytes of heap an item.
        byte[] pickle = HostilePickles.listsOfNone(26, LoadOptions.DEFAULT_MAX_CONTAINER_ITEMS);
        refusedAtTheDefaults(zip("nones.pt", pickle), false);
    }

    @Test
    void memoKeepingEveryValue() throws IOException {
        // Each dict (~260 bytes with its entry) is dropped from the stack and kept by the memo only.
        int n = 1_000_000;
        assertTrue(n < LoadOptions.DEFAULT_MAX_MEMO_ENTRIES);
        refusedAtTheDefaults(zip("memo.pt", HostilePickles.memoOfDicts(n)), false);
    }

    /** The smallest budget that opens a file: the most its estimate reached. */
    static long smallestBudget(Path file) throws IOException {
        long lo = 0;
        long hi = LoadOptions.DEFAULT_MAX_DECODED_BYTES;
        while (hi - lo > 1) {
            long mid = (lo + hi) >>> 1;
            try {
                SafeLoader.open(file, LoadOptions.builder().maxDecodedBytes(mid).build()).close();
                hi = mid;
            } catch (LimitExceededException e) {
                assertEquals("maxDecodedBytes", e.setting(), e.getMessage());
                lo = mid;
            }
        }
        return hi;
    }

    /** Real checkpoints are far inside the default: the largest fixture is charged under 64 KiB. */
    @Test
    void fixturesAreFarInsideTheDefault() throws IOException {
        for (String name : new String[] {"training_checkpoint.pt", "training_checkpoint.legacy.pt",
                "transformer_encoder_layer.pt", "adam.legacy.pt", "dtypes.pt", "views.legacy.pt"}) {
            long used = smallestBudget(Path.of("src/test/resources/torch/real", name));
            assertTrue(used > 1000 && used < 64 << 10, name + " is charged " + used);
        }
    }

    /** The budget bites before the heap does: a budget of 24 MiB in a JVM of 64 MB. */
    @Tag("lowmem")
    @Test
    void refusedBeforeTheHeapRunsOut() throws IOException {
        long max = Runtime.getRuntime().maxMemory();
        assertTrue(max <= 80L << 20, "this test must run with -Xmx64m, heap is " + (max >> 20) + " MB");
        LoadOptions o = LoadOptions.builder().maxDecodedBytes(24L << 20).build();
        Path file = zip("dicts.pt", HostilePickles.dictsOfIntKeys(2, 150_000));
        LimitExceededException x = assertThrows(LimitExceededException.class, () -> SafeLoader.open(file, o).close());
        assertEquals("maxDecodedBytes", x.setting(), x.getMessage());
        assertEquals(ScanReport.Verdict.INVALID, SafeLoader.scan(file, o).verdict());
    }
}
