package io.ptsafe.pickle.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReport.Verdict;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real checkpoints cut short and with bytes changed (a fixed seed, so every run makes the same
 * files): the scan never throws, and it answers as open does: SAFE exactly when open loads the
 * file, and open's refusal among the scan's findings otherwise.
 */
class ScanMutationsTest {
    private static final List<String> FILES = List.of("training_checkpoint.pt", "views.pt", "protocol4.pt",
            "training_checkpoint.legacy.pt", "tied.legacy.pt", "protocol1.legacy.pt");

    @TempDir
    static Path tmp;

    @TestFactory
    Stream<DynamicTest> mutatedFilesScanAsTheyLoad() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(20261125);
        for (String name : FILES) {
            byte[] bytes = Files.readAllBytes(Fixtures.REAL.resolve(name));
            List<byte[]> variants = new ArrayList<>();
            for (int i = 1; i <= 12; i++) {
                variants.add(Arrays.copyOf(bytes, (int) ((long) bytes.length * i / 13)));
            }
            for (int i = 0; i < 24; i++) {
                byte[] b = bytes.clone();
                b[random.nextInt(Math.min(b.length, 2048))] ^= (byte) (1 + random.nextInt(255));
                variants.add(b);
            }
            for (int i = 0; i < variants.size(); i++) {
                byte[] v = variants.get(i);
                String label = name + " #" + i + " (" + v.length + " bytes)";
                tests.add(DynamicTest.dynamicTest(label, () -> check(label, v)));
            }
        }
        return tests.stream();
    }

    private static void check(String label, byte[] bytes) throws IOException {
        Path p = Files.write(tmp.resolve(label.replace(' ', '_').replace("#", "").replace("(", "").replace(")", "")),
                bytes);
        ScanReport r = SafeLoader.scan(p);
        assertNotNull(r.verdict());
        PtsafeException refusal = null;
        try (TensorFile f = SafeLoader.open(p)) {
            assertEquals(f.tensors().size(), r.tensors().orElseThrow().count(), label);
        } catch (PtsafeException e) {
            refusal = e;
        }
        PtsafeException e = refusal;
        assertEquals(e == null, r.verdict() == Verdict.SAFE, () -> label + ": open " + e + ", scan " + r.findings());
        if (e != null) {
            assertTrue(ScanFixturesTest.errorRules(r).stream().anyMatch(ScanFixturesTest.rulesFor(e.reason())::contains),
                    () -> label + ": open refused with " + e.reason() + ", the scan found " + r.findings());
        }
        Files.delete(p);
    }
}
