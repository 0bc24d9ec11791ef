package io.ptsafe.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Issue 14, "a SAFE verdict must never lie": replays every differential case
 * ({@code ptsafe-pickle/src/test/resources/differential/<group>/cases.json}) against what the
 * harness ({@code ptsafe-pickle/src/test/fixtures/differential/harness.py}) recorded torch.load,
 * CPython's C and pure-Python unpicklers and the safetensors reference doing with it
 * ({@code verdicts.json}). No Python is needed here.
 *
 * <ul>
 * <li>a case where any reader reached the payload (os.system), or marked {@code "refuse"}: scan
 *     not SAFE, and {@code open} throws {@link PtsafeException};
 * <li>a case marked {@code "load"}: its reference reader (torch.load, or safetensors for a
 *     safetensors file) loaded it, no reader reached a payload, the scan says SAFE, it opens,
 *     with as many tensors as the reference found;
 * <li>every case file has a verdict recorded for its current bytes (sha256), or the test names the
 *     harness command to run.
 * </ul>
 * The cases are read from the pickle module's test resources, relative to this module's folder
 * (surefire's working directory), so new groups need no change here.
 */
class DifferentialReplayTest {
    static final Path ROOT = Path.of("..", "ptsafe-pickle", "src", "test", "resources", "differential");
    private static final String HARNESS = "/usr/bin/python3 ptsafe-pickle/src/test/fixtures/differential/harness.py";
    private static final String PAYLOAD = "payload";

    @TestFactory
    Stream<DynamicNode> cases() throws IOException {
        assertTrue(Files.isDirectory(ROOT), "no " + ROOT.toAbsolutePath().normalize());
        List<Path> groups;
        try (Stream<Path> s = Files.list(ROOT)) {
            groups = s.filter(d -> Files.isRegularFile(d.resolve("cases.json"))).sorted().toList();
        }
        assertFalse(groups.isEmpty(), "no group with a cases.json under " + ROOT);
        List<DynamicNode> nodes = new ArrayList<>();
        for (Path g : groups) {
            nodes.add(DynamicContainer.dynamicContainer(g.getFileName().toString(), group(g)));
        }
        return nodes.stream();
    }

    private static Stream<DynamicNode> group(Path dir) throws IOException {
        String name = dir.getFileName().toString();
        Path verdictsFile = dir.resolve("verdicts.json");
        if (!Files.isRegularFile(verdictsFile)) {
            return Stream.of(DynamicTest.dynamicTest("verdicts.json", () -> fail(
                    "group " + name + " has cases but no verdicts.json: run " + HARNESS + " " + name)));
        }
        List<Object> cases = list(JsonTree.read(dir.resolve("cases.json")));
        Map<String, Object> verdicts = map(map(JsonTree.read(verdictsFile)).get("cases"));
        List<DynamicNode> tests = new ArrayList<>();
        for (Object o : cases) {
            Map<String, Object> c = map(o);
            String file = (String) c.get("file");
            String expect = (String) c.get("ptsafe");
            boolean safetensors = "safetensors".equals(c.get("format")) || file.endsWith(".safetensors");
            tests.add(DynamicTest.dynamicTest(file + " [" + expect + ", " + c.get("class") + "]",
                    () -> replay(name, dir.resolve(file), expect, safetensors, verdicts.get(file))));
        }
        return tests.stream();
    }

    private static void replay(String group, Path file, String expect, boolean safetensors, Object recorded)
            throws Exception {
        String rerun = "run " + HARNESS + " " + group;
        assertTrue(Files.isRegularFile(file), file + " is listed in cases.json but missing");
        if (recorded == null) {
            fail(file.getFileName() + " has no verdict in verdicts.json (the generator ran, the harness did not): " + rerun);
        }
        Map<String, Object> v = map(recorded);
        assertEquals(v.get("sha256"), sha256(file),
                file.getFileName() + " changed since the harness recorded its verdict: " + rerun);
        Map<String, Object> readers = map(v.get("readers"));
        List<String> reached = readers.entrySet().stream().filter(e -> PAYLOAD.equals(e.getValue()))
                .map(Map.Entry::getKey).toList();
        switch (expect) {
            case "refuse" -> refused(file, "marked \"refuse\"" + (reached.isEmpty() ? "" : "; payload reached by " + reached));
            case "load" -> {
                if (!reached.isEmpty()) {
                    refused(file, "payload reached by " + reached);
                    fail(file.getFileName() + " is marked \"load\" but " + reached + " reached its payload: fix cases.json");
                }
                loads(file, safetensors ? "safetensors.safe_open" : "torch.load", readers, v.get("tensors"));
            }
            default -> fail(file.getFileName() + ": \"ptsafe\" must be \"load\" or \"refuse\", not " + expect);
        }
    }

    /** Never SAFE, never opens. */
    private static void refused(Path file, String why) {
        ScanReport r = SafeLoader.scan(file);
        assertNotEquals(ScanReport.Verdict.SAFE, r.verdict(), file.getFileName() + " scanned SAFE: " + why);
        PtsafeException e = assertThrows(PtsafeException.class, () -> {
            try (TensorFile f = SafeLoader.open(file)) {
                f.tensors();
            }
        }, file.getFileName() + " opened: " + why);
        assertNotNull(e.reason(), "refusal without a reason: " + e.getMessage());
    }

    /** The reference loaded it; ptsafe scans SAFE, opens it, and finds as many tensors. */
    private static void loads(Path file, String reference, Map<String, Object> readers, Object tensors)
            throws IOException {
        assertEquals("ok", readers.get(reference), file.getFileName()
                + " is marked \"load\" but " + reference + " did not load it: a control must be a real file");
        ScanReport r = SafeLoader.scan(file);
        assertEquals(ScanReport.Verdict.SAFE, r.verdict(), file.getFileName() + ": " + r.findings());
        try (TensorFile f = SafeLoader.open(file)) {
            if (tensors != null) {
                assertEquals(((Number) tensors).intValue(), f.tensors().size(),
                        file.getFileName() + ": tensors ptsafe lists vs " + reference);
            }
        }
    }

    private static String sha256(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertTrue(o instanceof Map, "expected a JSON object, found " + o);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        assertTrue(o instanceof List, "expected a JSON list, found " + o);
        return (List<Object>) o;
    }
}
