package io.ptsafe.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ptsafe.ContainerKind;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.testsupport.SchemaCheck;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** File digests in the JSON report and SARIF artifacts; SARIF partialFingerprints independent of messages. */
class DigestAndFingerprintTest {
    /** sha256("abc"), FIPS 180-2 appendix B.1. */
    static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    @TempDir
    Path tmp;

    @Test
    void digestOfFileAndStream() throws IOException {
        Path f = Files.writeString(tmp.resolve("abc"), "abc");
        assertEquals(new FileDigest(3, ABC), FileDigest.of(f));
        assertEquals(new FileDigest(3, ABC), FileDigest.of(new ByteArrayInputStream("abc".getBytes(StandardCharsets.US_ASCII))));
        assertThrows(IllegalArgumentException.class, () -> new FileDigest(-1, ABC));
        assertThrows(IllegalArgumentException.class, () -> new FileDigest(3, ABC.toUpperCase()));
    }

    @Test
    void digestIsWrittenAndSurvivesRelabeling() throws IOException {
        ScanReport r = ScanOutputTest.sample().getFirst().withDigest(new FileDigest(3, ABC));
        assertEquals(r.verdict(), ScanOutputTest.sample().getFirst().verdict());
        assertEquals(r.findings(), ScanOutputTest.sample().getFirst().findings());
        ScanReport relabeled = r.relabeled(Path.of("a.tar!m.pt"), "models");
        assertEquals(new FileDigest(3, ABC), relabeled.digest().orElseThrow());
        JsonNode json = SchemaCheck.assertValid(SchemaCheck.reportSchema(), ScanOutputTest.json(List.of(r)));
        assertEquals(3, json.at("/reports/0/size").asLong());
        assertEquals(ABC, json.at("/reports/0/sha256").asText());
        JsonNode sarif = SchemaCheck.MAPPER.readTree(ScanOutputTest.sarif(List.of(r)));
        assertEquals(3, sarif.at("/runs/0/artifacts/0/length").asLong());
        assertEquals(ABC, sarif.at("/runs/0/artifacts/0/hashes/sha-256").asText());
    }

    @Test
    void fingerprintsIgnoreMessagesAndTellFindingsApart() throws IOException {
        Location at = Location.inEntry("m/data.pkl", 40, 64);
        ScanReport.Global posix = new ScanReport.Global("posix", "system", "posix.system", ScanReport.Global.Kind.DANGEROUS,
                "posix", "GLOBAL", at);
        ScanReport a = ScanReport.builder(Path.of("m.pt"), ContainerKind.TORCH_ZIP)
                .add(ScanRule.DANGEROUS_GLOBAL, at, "posix.system named by GLOBAL").global(posix)
                .add(ScanRule.UNEXPECTED_ENTRY, Location.entry("m/x", 100), "an entry torch does not read")
                .add(ScanRule.UNEXPECTED_ENTRY, Location.entry("m/x", 100), "the same again").build();
        ScanReport reworded = ScanReport.builder(Path.of("m.pt"), ContainerKind.TORCH_ZIP)
                .add(ScanRule.DANGEROUS_GLOBAL, at, "another wording of the message").global(posix)
                .add(ScanRule.UNEXPECTED_ENTRY, Location.entry("m/x", 100), "x")
                .add(ScanRule.UNEXPECTED_ENTRY, Location.entry("m/x", 100), "y").build();
        ScanReport otherValue = ScanReport.builder(Path.of("m.pt"), ContainerKind.TORCH_ZIP)
                .add(ScanRule.DANGEROUS_GLOBAL, at, "posix.system named by GLOBAL")
                .global(new ScanReport.Global("nt", "system", "nt.system", ScanReport.Global.Kind.DANGEROUS, "os",
                        "GLOBAL", at)).build();
        ScanReport otherFile = ScanReport.builder(Path.of("n.pt"), ContainerKind.TORCH_ZIP)
                .add(ScanRule.DANGEROUS_GLOBAL, at, "posix.system named by GLOBAL").global(posix).build();
        List<String> fa = fingerprints(a);
        assertEquals(3, new HashSet<>(fa).size(), fa::toString);
        assertEquals(fa, fingerprints(reworded));
        assertNotEquals(fa.getFirst(), fingerprints(otherValue).getFirst());
        assertNotEquals(fa.getFirst(), fingerprints(otherFile).getFirst());
        assertEquals(fa, fingerprints(a), "the same scan twice");
        SchemaCheck.assertValid(SchemaCheck.sarifSchema(), ScanOutputTest.sarif(List.of(a, otherFile)));
    }

    private static List<String> fingerprints(ScanReport r) throws IOException {
        JsonNode results = SchemaCheck.MAPPER.readTree(ScanOutputTest.sarif(List.of(r))).at("/runs/0/results");
        List<String> out = new ArrayList<>();
        for (JsonNode res : results) {
            String fp = res.at("/partialFingerprints/" + SarifFingerprints.KEY.replace("/", "~1")).asText();
            assertTrue(fp.matches("[0-9a-f]{64}"), res::toString);
            out.add(fp);
        }
        return out;
    }
}
