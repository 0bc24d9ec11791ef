package io.ptsafe.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanFinding.Severity;
import io.ptsafe.scan.ScanReport.Verdict;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import io.ptsafe.ContainerKind;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;

class ScanReportTest {
    private static final Path P = Path.of("model.pt");

    @Test
    void verdictIsTheWorstErrorEffect() {
        ScanReport.Builder b = ScanReport.builder(P, ContainerKind.TORCH_ZIP);
        assertEquals(Verdict.SAFE, b.build().verdict());
        b.add(ScanRule.UNREFERENCED_RECORD, Location.FILE, "warning only");
        b.add(ScanRule.CRC_MISMATCH, Severity.WARNING, Location.FILE, "not enforced");
        assertEquals(Verdict.SAFE, b.build().verdict());
        b.add(ScanRule.TRUNCATED_PICKLE, Location.FILE, "cut");
        assertEquals(Verdict.INVALID, b.build().verdict());
        b.add(ScanRule.DANGEROUS_GLOBAL, Location.FILE, "os.system");
        assertEquals(Verdict.UNSAFE, b.build().verdict());
        b.add(ScanRule.MALFORMED_PICKLE, Location.FILE, "later");
        assertEquals(Verdict.UNSAFE, b.build().verdict());
    }

    @Test
    void findingsAndGlobalsAreCappedButCounted() {
        ScanReport.Builder b = ScanReport.builder(P, ContainerKind.PICKLE);
        for (int i = 0; i < ScanReport.MAX_FINDINGS; i++) {
            b.add(ScanRule.INERT_GLOBAL, Location.at(i), "note " + i);
        }
        b.add(ScanRule.UNKNOWN_GLOBAL, Location.at(5000), "the one that matters, past the cap");
        for (int i = 0; i < ScanReport.MAX_GLOBALS + 3; i++) {
            b.global(new ScanReport.Global("m", "n", "m.n", ScanReport.Global.Kind.ALLOWED, null, "GLOBAL",
                    Location.at(i)));
        }
        ScanReport r = b.build();
        assertEquals(ScanReport.MAX_FINDINGS, r.findings().size());
        assertEquals(1, r.omittedFindings());
        assertEquals(Verdict.UNSAFE, r.verdict());
        assertEquals(ScanReport.MAX_GLOBALS, r.globals().size());
        assertEquals(3, r.omittedGlobals());
    }

    @Test
    void locations() {
        assertEquals(new Location("archive/data.pkl", 10, 74), Location.inEntry("archive/data.pkl", 10, 64));
        assertEquals(new Location("archive/data.pkl", 10, -1), Location.inEntry("archive/data.pkl", 10, -1));
        assertEquals(new Location("x", 0, 64), Location.entry("x", 64));
        assertThrows(IllegalArgumentException.class, () -> new Location(null, -2, 0));
    }

    @Test
    void refusalsMapToTheirRule() {
        ScanFinding f = ScanFinding.of(new PtsafeException(Reason.ZIP_BOMB, P, "boom"), Location.FILE);
        assertEquals(ScanRule.ZIP_BOMB, f.rule());
        assertEquals(Severity.ERROR, f.severity());
        assertEquals("boom [ZIP_BOMB]", f.message());
        assertEquals(Verdict.INVALID, f.effect());
    }

    @Test
    void worstOfSeveral() {
        ScanReport safe = ScanReport.builder(P, ContainerKind.SAFETENSORS).build();
        ScanReport invalid = ScanReport.builder(P, ContainerKind.UNKNOWN)
                .add(ScanRule.UNKNOWN_FORMAT, Location.FILE, "?").build();
        ScanReport unsafe = ScanReport.builder(P, ContainerKind.PICKLE)
                .add(ScanRule.FORBIDDEN_OPCODE, Location.FILE, "INST").build();
        assertEquals(Verdict.SAFE, ScanReports.worst(List.of()));
        assertEquals(Verdict.SAFE, ScanReports.worst(List.of(safe)));
        assertEquals(Verdict.INVALID, ScanReports.worst(List.of(safe, invalid)));
        assertEquals(Verdict.UNSAFE, ScanReports.worst(List.of(invalid, unsafe, safe)));
    }
}
