package io.ptsafe.pickle.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReport.Verdict;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every committed torch fixture scanned: each hostile file gets the manifest's scan verdict and a
 * finding of the rule of its reason; each real checkpoint is SAFE with its tensors counted; and
 * scanning agrees with loading on every one of them (SAFE exactly when open succeeds, and open's
 * refusal is among the scan's findings).
 */
class ScanFixturesTest {
    /** The rules a refusal's reason may be reported under. */
    static Set<ScanRule> rulesFor(Reason r) {
        return switch (r) {
            case FORBIDDEN_GLOBAL -> Set.of(ScanRule.DANGEROUS_GLOBAL, ScanRule.UNKNOWN_GLOBAL);
            case UNSUPPORTED_FORMAT -> Set.of(ScanRule.UNSUPPORTED_FORMAT, ScanRule.HOLDS_CODE);
            default -> Set.of(ScanRule.of(r));
        };
    }

    static Set<ScanRule> errorRules(ScanReport r) {
        return r.findings().stream().filter(f -> f.severity() == ScanFinding.Severity.ERROR).map(ScanFinding::rule)
                .collect(Collectors.toSet());
    }

    @TestFactory
    Stream<DynamicTest> hostileFilesGetTheManifestVerdict() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Fixtures.Hostile h : Fixtures.hostile()) {
            tests.add(DynamicTest.dynamicTest(h.file(), () -> {
                ScanReport r = SafeLoader.scan(h.path(), h.options());
                assertEquals(Verdict.valueOf(h.verdict()), r.verdict(), () -> h + ": " + r.findings());
                Set<ScanRule> expected = h.acceptable().stream().flatMap(a -> rulesFor(a).stream())
                        .collect(Collectors.toSet());
                assertTrue(errorRules(r).stream().anyMatch(expected::contains),
                        () -> h + ": expected one of " + expected + ", found " + r.findings());
            }));
        }
        return tests.stream();
    }

    /** One parser: a file scans SAFE exactly when it loads, and the refusal of open is a finding of the scan. */
    @TestFactory
    Stream<DynamicTest> scanningAndLoadingAgree() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        List<Object[]> cases = new ArrayList<>();
        for (Fixtures.Hostile h : Fixtures.hostile()) {
            cases.add(new Object[] {h.path(), LoadOptions.defaults()});
            if (h.needsCrcPolicy()) {
                cases.add(new Object[] {h.path(), h.options()});
            }
        }
        for (Path p : Fixtures.real()) {
            cases.add(new Object[] {p, LoadOptions.defaults()});
        }
        for (Object[] c : cases) {
            Path p = (Path) c[0];
            LoadOptions o = (LoadOptions) c[1];
            tests.add(DynamicTest.dynamicTest(p.getFileName() + " " + o.crcPolicy(), () -> {
                ScanReport r = SafeLoader.scan(p, o);
                PtsafeException refusal = null;
                try (TensorFile f = SafeLoader.open(p, o)) {
                    assertEquals(f.tensors().size(), r.tensors().orElseThrow().count(), p.toString());
                } catch (PtsafeException e) {
                    refusal = e;
                }
                assertEquals(refusal == null, r.verdict() == Verdict.SAFE, p + ": open " + refusal + ", scan " + r.findings());
                if (refusal != null) {
                    Set<ScanRule> rules = rulesFor(refusal.reason());
                    assertTrue(errorRules(r).stream().anyMatch(rules::contains),
                            p + ": open refused with " + refusal.reason() + ", the scan found " + r.findings());
                }
            }));
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> realCheckpointsAreSafe() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path p : Fixtures.real()) {
            tests.add(DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
                ScanReport r = SafeLoader.scan(p);
                assertEquals(Verdict.SAFE, r.verdict(), () -> p + ": " + r.findings());
                assertEquals(List.of(), r.findings(), p.toString());
                assertTrue(r.complete());
                assertEquals(Fixtures.isLegacy(p) ? ContainerKind.TORCH_LEGACY : ContainerKind.TORCH_ZIP, r.container());
                assertTrue(r.globals().stream().allMatch(g -> g.kind() == ScanReport.Global.Kind.ALLOWED), p.toString());
                ScanReport.TensorInventory t = r.tensors().orElseThrow();
                String stem = p.getFileName().toString().split("\\.")[0];
                Path expected = p.resolveSibling(stem + ".expected.json");
                if (Files.exists(expected)) {
                    List<Object> tensors = Json.arr(Json.obj(Json.read(expected)).get("tensors"));
                    assertEquals(tensors.size(), t.count(), p.toString());
                    long f32 = tensors.stream().filter(x -> "F32".equals(Json.obj(x).get("dtype"))).count();
                    assertEquals(f32, t.dtypes().getOrDefault(io.ptsafe.DType.F32, 0L), p.toString());
                }
            }));
        }
        return tests.stream();
    }
}
