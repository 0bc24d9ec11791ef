package io.ptsafe.safetensors.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReport.Verdict;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SafeLoader.scan on safetensors files and sharded checkpoints: the reader's own rules, as findings. */
class ScanSafetensorsTest {
    @TempDir
    Path tmp;

    static List<Path> fixtures() throws IOException {
        try (Stream<Path> s = Files.list(TestFiles.RESOURCES)) {
            return s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    @Test
    void everyFixtureIsSafe() throws IOException {
        for (Path p : fixtures()) {
            ScanReport r = SafeLoader.scan(p);
            assertEquals(Verdict.SAFE, r.verdict(), () -> p + ": " + r.findings());
            assertEquals(ContainerKind.SAFETENSORS, r.container());
            assertEquals(List.of(), r.findings());
            assertEquals(List.of(), r.globals());
            try (TensorFile f = SafeLoader.open(p)) {
                assertEquals(f.tensors().size(), r.tensors().orElseThrow().count(), p.toString());
                assertEquals(f.tensors().stream().mapToLong(t -> t.byteSize()).sum(), r.tensors().get().bytes());
            }
        }
    }

    @Test
    void shardedCheckpoints() {
        Path folder = TestFiles.RESOURCES.resolve("sharded");
        for (Path p : List.of(folder, folder.resolve("model.safetensors.index.json"))) {
            ScanReport r = SafeLoader.scan(p);
            assertEquals(Verdict.SAFE, r.verdict(), r.findings().toString());
            assertEquals(ContainerKind.SHARDED, r.container());
        }
    }

    /** A header rule broken: INVALID, the reason's rule, the same answer as open. */
    @Test
    void headerRulesAreFindings() throws IOException {
        String dup = "{" + TestFiles.entry("a", "F32", "1", 0, 4) + "," + TestFiles.entry("a", "F32", "1", 4, 8) + "}";
        String hole = "{" + TestFiles.entry("a", "F32", "1", 4, 8) + "}";
        String dtype = "{" + TestFiles.entry("a", "F33", "1", 0, 4) + "}";
        check(TestFiles.write(tmp, "dup.safetensors", TestFiles.file(dup, 8)), ScanRule.DUPLICATE_KEY);
        check(TestFiles.write(tmp, "hole.safetensors", TestFiles.file(hole, 8)), ScanRule.INVALID_OFFSET);
        check(TestFiles.write(tmp, "dtype.safetensors", TestFiles.file(dtype, 4)), ScanRule.UNKNOWN_DTYPE);
        ScanReport tiny = SafeLoader.scan(TestFiles.write(tmp, "tiny.safetensors", new byte[] {2, 0, 0, 0}));
        assertEquals(ScanRule.UNKNOWN_FORMAT, tiny.findings().getFirst().rule(), "4 bytes are no recognisable format");
    }

    private static void check(Path p, ScanRule rule) {
        ScanReport r = SafeLoader.scan(p);
        PtsafeException open = org.junit.jupiter.api.Assertions.assertThrows(PtsafeException.class,
                () -> SafeLoader.open(p).close());
        assertEquals(Verdict.INVALID, r.verdict(), () -> p + ": " + r.findings());
        assertEquals(rule, r.findings().getFirst().rule(), r.findings().toString());
        assertEquals(ScanRule.of(open.reason()), rule);
        assertEquals(ContainerKind.SAFETENSORS, r.container());
    }

    /** Every truncation of a real file: the scan answers as open does, and never throws. */
    @Test
    void truncationsAgreeWithOpen() throws IOException {
        byte[] all = Files.readAllBytes(TestFiles.RESOURCES.resolve("all_dtypes.safetensors"));
        Path p = tmp.resolve("cut.safetensors");
        for (int n = 0; n < all.length; n += Math.max(1, n / 8)) {
            Files.write(p, Arrays.copyOf(all, n));
            ScanReport r = SafeLoader.scan(p, LoadOptions.defaults());
            boolean opens;
            try (TensorFile f = SafeLoader.open(p)) {
                opens = f.tensors().size() == r.tensors().orElseThrow().count();
            } catch (PtsafeException e) {
                opens = false;
                int cut = n;
                assertTrue(r.findings().stream().anyMatch(x -> x.rule() == ScanRule.of(e.reason())),
                        () -> cut + " bytes: open says " + e.reason() + ", scan " + r.findings());
            }
            assertEquals(opens, r.verdict() == Verdict.SAFE, n + " bytes");
        }
    }
}
