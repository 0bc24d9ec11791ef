package io.ptsafe.pickle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of {@code differential/pickle} and {@code differential/legacy} (made by
 * src/test/fixtures/differential/make_pickle_cases.py, which proved with torch 1.13 which of them
 * reach their payload): a "refuse" case is refused by open and scan with the reason cases.json
 * names, and a scan never says SAFE; a "load" case (a real torch.save) loads with its tensors' bytes.
 */
class DifferentialPickleCasesTest {
    static final Path ROOT = Path.of("src/test/resources/differential");

    @TestFactory
    Stream<DynamicTest> pickleCases() throws Exception {
        return cases("pickle", 19);
    }

    @TestFactory
    Stream<DynamicTest> legacyCases() throws Exception {
        return cases("legacy", 5);
    }

    private static Stream<DynamicTest> cases(String group, int expected) throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Object o : Json.arr(Json.read(ROOT.resolve(group).resolve("cases.json")))) {
            Map<String, Object> c = Json.obj(o);
            Path p = ROOT.resolve(group).resolve((String) c.get("file"));
            assertTrue(Files.isRegularFile(p), p.toString());
            String verdict = (String) c.get("ptsafe");
            if (verdict.equals("load")) {
                tests.add(DynamicTest.dynamicTest(group + "/" + c.get("file") + " loads", () -> loads(p)));
            } else {
                assertEquals("refuse", verdict, p.toString());
                Reason reason = Reason.valueOf((String) c.get("reason"));
                tests.add(DynamicTest.dynamicTest(group + "/" + c.get("file") + " -> " + reason,
                        () -> refused(p, reason)));
            }
        }
        assertEquals(expected, tests.size(), group + " cases");
        return tests.stream();
    }

    private static void refused(Path p, Reason reason) throws Exception {
        PtsafeException x = assertThrows(PtsafeException.class, () -> SafeLoader.open(p).close());
        assertEquals(reason, x.reason(), x.getMessage());
        assertTrue(x.getMessage().startsWith(p.toString()), x.getMessage());
        ScanReport r = SafeLoader.scan(p);
        assertNotEquals(ScanReport.Verdict.SAFE, r.verdict(), r.findings().toString());
        assertTrue(r.findings().stream().map(ScanFinding::rule).anyMatch(rule -> rule == io.ptsafe.scan.ScanRule.of(reason)),
                r.findings().toString());
    }

    /** Every control holds torch.save of {'weight': arange(6).reshape(2, 3), 'bias': [0.5, -0.5]} (float32). */
    private static void loads(Path p) throws Exception {
        try (TensorFile f = SafeLoader.open(p)) {
            Tensor w = f.findTensor("weight").orElseThrow();
            assertArrayEquals(new long[] {2, 3}, w.shape());
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5}, w.toFloatArray());
            assertArrayEquals(new float[] {0.5f, -0.5f}, f.findTensor("bias").orElseThrow().toFloatArray());
            if (p.getFileName().toString().equals("key-alias.pt")) {
                // {1: weight-bytes, True: bias} is {1: bias} to Python: one key, the last value.
                assertEquals(3, f.tensors().size(), f.tensors().toString());
                assertArrayEquals(new float[] {0.5f, -0.5f}, f.findTensor("1").orElseThrow().toFloatArray());
            }
        }
        assertEquals(ScanReport.Verdict.SAFE, SafeLoader.scan(p).verdict());
    }
}
