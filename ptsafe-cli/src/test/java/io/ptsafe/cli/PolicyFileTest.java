package io.ptsafe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ptsafe.Limit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The policy file: strict reading, a round trip, ignored paths listed with their reason. */
class PolicyFileTest {
    /** The example policy committed at the repository root. */
    static final Path EXAMPLE = Path.of("../ptsafe.json");

    @TempDir
    Path tmp;

    @Test
    void roundTrip() throws IOException {
        Policy p = new Policy(tmp.resolve("ptsafe.json"), EnumSet.of(FailOn.UNSAFE, FailOn.WARNING),
                List.of("argparse.Namespace", "numpy.dtype"),
                List.of(new LimitOption.Setting(Limit.MAX_TENSORS, 5000), new LimitOption.Setting(Limit.MAX_PICKLE_BYTES,
                        1L << 29)),
                List.of(new Policy.Ignore("fixtures/**/*.pt", "attack samples, \"quoted\", ünicode")));
        Files.write(p.source(), PolicyFile.write(p));
        assertEquals(p, PolicyFile.read(p.source()));
        Policy none = new Policy(p.source(), EnumSet.noneOf(FailOn.class), List.of(), List.of(), List.of());
        Files.write(p.source(), PolicyFile.write(none));
        assertEquals(none, PolicyFile.read(p.source()));
        Policy unset = new Policy(p.source(), null, List.of(), List.of(), List.of());
        Files.write(p.source(), PolicyFile.write(unset));
        assertEquals(unset, PolicyFile.read(p.source()));
        // the committed example reads, and writes back to what it says
        Policy example = PolicyFile.read(EXAMPLE);
        assertEquals(FailOn.DEFAULT, example.failOn());
        Files.write(p.source(), PolicyFile.write(example));
        Policy again = PolicyFile.read(p.source());
        assertEquals(new Policy(EXAMPLE, again.failOn(), again.inertGlobals(), again.limits(), again.ignore()), example);
    }

    /** docs/ptsafe-policy.schema.json (for editors) accepts what ptsafe writes and the example, refuses unknown keys. */
    @Test
    void schemaForEditors() throws IOException {
        Path schema = Path.of("..", "docs", "ptsafe-policy.schema.json");
        SarifSchemaTest.assertValid(schema, ScanGateTest.MAPPER.readTree(EXAMPLE.toFile()));
        Policy p = new Policy(tmp.resolve("p.json"), EnumSet.of(FailOn.INVALID), List.of("argparse.Namespace"),
                List.of(new LimitOption.Setting(Limit.MAX_RANK, 12)), List.of(new Policy.Ignore("a/**", "why")));
        SarifSchemaTest.assertValid(schema, ScanGateTest.MAPPER.readTree(PolicyFile.write(p)));
        SarifSchemaTest.assertValid(schema, ScanGateTest.MAPPER.readTree("{\"limits\": {\"maxHeaderBytes\": \"1.5GiB\"}}"));
        for (String bad : List.of("{\"fail_on\": []}", "{\"ignore\": [{\"path\": \"a\"}]}", "{\"failOn\": [\"x\"]}",
                "{\"ignore\": [{\"path\": \"a\", \"reason\": \" \"}]}")) {
            Path f = Files.writeString(tmp.resolve("bad.json"), bad);
            assertThrows(IllegalArgumentException.class, () -> PolicyFile.read(f), bad);
            assertThrows(org.opentest4j.AssertionFailedError.class,
                    () -> SarifSchemaTest.assertValid(schema, ScanGateTest.MAPPER.readTree(bad)), bad);
        }
    }

    @Test
    void strict() throws IOException {
        refused("{\"failOn\": [\"unsafe\"], \"fail_on\": []}", "unknown key 'fail_on'; the keys are: failOn, "
                + "inertGlobals, limits, ignore (line 1");
        refused("{\"ignore\": [{\"path\": \"a/**\"}]}", "ignore[0]: no \"reason\" for 'a/**'");
        refused("{\"ignore\": [{\"path\": \"a/**\", \"reason\": \"  \"}]}", "has no reason");
        refused("{\"ignore\": [{\"path\": \"a/**\", \"reason\": \"r\", \"why\": \"r\"}]}", "unknown key 'ignore[0].why'");
        refused("{\"ignore\": [{\"path\": \"a/[\", \"reason\": \"r\"}]}", "ignore[0]: ");
        refused("{\"failOn\": [\"scary\"]}", "failOn: unknown fail-on value 'scary'");
        refused("{\"failOn\": \"unsafe\"}", "failOn (an array of strings): expected [, found VALUE_STRING 'unsafe'");
        refused("{\"limits\": {\"maxTensor\": 5}}", "limits.maxTensor: unknown limit 'maxTensor'");
        refused("{\"limits\": {\"maxTensors\": -5}}", "limits.maxTensors: ");
        refused("{\"limits\": {\"maxTensors\": true}}", "limits.maxTensors: expected a whole number");
        refused("{\"inertGlobals\": [\"os.system\"]}", "inertGlobals: ");
        refused("{\"failOn\": [], \"failOn\": []}", "not valid JSON: Duplicate field 'failOn'");
        refused("{\"failOn\": []} {}", "content after the policy's closing brace");
        refused("[]", "the policy: expected {, found [");
        refused("{\"failOn\": [", "not valid JSON");
        refused("", "the policy: expected {, found the end of the file");
        refused(" ".repeat((int) PolicyFile.MAX_BYTES) + "{}", "over the 1048576 bytes a policy file may have");
    }

    private void refused(String json, String message) throws IOException {
        Path f = Files.writeString(tmp.resolve("bad.json"), json);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PolicyFile.read(f), json);
        assertTrue(e.getMessage().startsWith(f + ": "), e::getMessage);
        assertTrue(e.getMessage().contains(message), e::getMessage);
        CliRun r = CliRun.of("scan", "--config", f.toString(), ScanCommandTest.SAFE.toString());
        assertEquals(ExitCodes.USAGE, r.code(), r::toString);
        assertTrue(r.err().contains(message), r::toString);
    }

    @Test
    void ignoredFilesAreListedWithTheReason() throws IOException {
        Path repo = tmp.resolve("repo");
        Files.createDirectories(repo.resolve("fixtures/evil"));
        Files.copy(ScanCommandTest.MALICIOUS.resolve("zip_os_system_reduce.pt"), repo.resolve("fixtures/evil/a.pt"));
        Files.copy(ScanCommandTest.SAFE, repo.resolve("model.pt"));
        Path policy = Files.writeString(repo.resolve("ptsafe.json"), """
                {"ignore": [{"path": "fixtures/evil/**", "reason": "attack samples for our tests"}]}
                """);
        CliRun r = CliRun.of("scan", "--config", policy.toString(), repo.resolve("model.pt").toString(),
                repo.resolve("fixtures").toString());
        assertEquals(ExitCodes.OK, r.code(), r::toString);
        assertTrue(r.out().contains("-       " + repo.resolve("fixtures/evil/a.pt") + ": ignored by the policy " + policy
                + ": attack samples for our tests (scanned UNSAFE)"), r::toString);
        assertTrue(r.err().contains("1 file ignored by the policy"), r::toString);
        CliRun json = CliRun.of("scan", "--json", "--config", policy.toString(), repo.toString());
        JsonNode doc = ScanGateTest.MAPPER.readTree(json.out());
        assertEquals(1, doc.at("/summary/files").asInt(), json::toString);
        boolean listed = false;
        for (JsonNode k : doc.at("/skipped")) {
            listed |= k.at("/reason").asText().contains("attack samples for our tests (scanned UNSAFE)");
        }
        assertTrue(listed, json::toString);
        // without the policy, the same tree fails
        assertEquals(ExitCodes.ISSUES, CliRun.of("scan", repo.toString()).code());
    }

    @Test
    void commandLineWinsOverThePolicy() throws IOException {
        Path policy = Files.writeString(tmp.resolve("p.json"), """
                {"failOn": ["unsafe", "invalid"], "inertGlobals": ["argparse.Namespace"],
                 "limits": {"maxTensors": 7, "maxRank": 9}}
                """);
        CliRun shown = CliRun.of("scan", "--config", policy.toString(), "--fail-on", "unsafe", "--inert", "numpy.dtype",
                "--limit", "maxTensors=8", "--show-policy");
        assertEquals(ExitCodes.OK, shown.code(), shown::toString);
        JsonNode p = ScanGateTest.MAPPER.readTree(shown.out());
        assertEquals("[\"unsafe\"]", p.at("/failOn").toString());
        assertEquals("[\"argparse.Namespace\",\"numpy.dtype\"]", p.at("/inertGlobals").toString());
        assertEquals("{\"maxRank\":9,\"maxTensors\":8}", p.at("/limits").toString());
        // the policy's failOn leaves unknown globals reported, not failing
        assertEquals(ExitCodes.OK, CliRun.of("scan", "--config", policy.toString(),
                ScanGateTest.UNKNOWN_GLOBAL.toString()).code());
    }
}
