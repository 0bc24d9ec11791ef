package io.ptsafe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ptsafe scan --sarif} of every scan fixture (every hostile, real, inert, differential and
 * safetensors fixture, through the folders' tree scan, and a file read from standard input), valid
 * under the official SARIF 2.1.0 schema; the JSON report of the same, valid under
 * docs/scan-report.schema.json.
 *
 * <p>The official schema is not in this repository (OASIS's text, not ours): it is read from
 * {@code -Dptsafe.sarif.schema=FILE}, else from {@code schemas/sarif-schema-2.1.0.json} under
 * {@code -Dptsafe.shared.dir} (the build sets it to the folder {@code shared} beside the repository,
 * where CI has it), else beside the repository. When it is nowhere, the schema check is skipped with a
 * message saying where it looked (as the report schema checks of ptsafe-api and ptsafe-pickle are),
 * unless {@code -Dptsafe.sarif.schema.required=true}, which makes it a failure: a machine without the
 * shared folder must still be able to run the build, and the other assertions here still run.
 */
class SarifSchemaTest {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final List<String> FIXTURES = List.of("../ptsafe-pickle/src/test/resources",
            "../ptsafe-safetensors/src/test/resources", "../samples");

    static JsonNode sarif;
    static JsonNode json;

    @BeforeAll
    static void scanEveryFixture() throws IOException {
        List<String> args = new ArrayList<>(List.of("scan", "--sarif", "--fail-on", "none", "-"));
        args.addAll(FIXTURES);
        byte[] stdin = Files.readAllBytes(ScanCommandTest.MALICIOUS.resolve("zip_os_system_reduce.pt"));
        CliRun s = ScanGateTest.withStdin(new ByteArrayInputStream(stdin), args.toArray(String[]::new));
        assertEquals(ExitCodes.OK, s.code(), s::toString);
        sarif = MAPPER.readTree(s.out());
        args.set(1, "--json");
        CliRun j = ScanGateTest.withStdin(new ByteArrayInputStream(stdin), args.toArray(String[]::new));
        json = MAPPER.readTree(j.out());
    }

    static Path officialSchema() {
        List<Path> tried = new ArrayList<>();
        String explicit = System.getProperty("ptsafe.sarif.schema");
        if (explicit != null) {
            tried.add(Path.of(explicit));
        }
        String shared = System.getProperty("ptsafe.shared.dir");
        if (shared != null) {
            tried.add(Path.of(shared, "schemas", "sarif-schema-2.1.0.json"));
        }
        // surefire runs in ptsafe-cli: ../.. is the folder holding the repository
        tried.add(Path.of("..", "..", "shared", "schemas", "sarif-schema-2.1.0.json"));
        tried.add(Path.of("/work/shared/schemas/sarif-schema-2.1.0.json"));
        for (Path p : tried) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        String missing = "the official SARIF 2.1.0 schema (sarif-schema-2.1.0.json, OASIS) is not at any of " + tried.stream()
                .map(p -> p.toAbsolutePath().normalize().toString()).toList() + ": give it with -Dptsafe.sarif.schema=FILE "
                + "or -Dptsafe.shared.dir=DIR (holding schemas/sarif-schema-2.1.0.json)";
        if (Boolean.getBoolean("ptsafe.sarif.schema.required")) {
            return fail(missing);
        }
        Assumptions.abort(missing);
        return null;
    }

    static void assertValid(Path schema, JsonNode doc) throws IOException {
        JsonNode schemaNode = MAPPER.readTree(Files.readAllBytes(schema));
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersionDetector.detect(schemaNode));
        JsonSchema s = factory.getSchema(schemaNode, SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
        Set<ValidationMessage> errors = s.validate(doc);
        assertEquals(Set.of(), errors, "invalid under " + schema);
    }

    @Test
    void sarifOfEveryFixtureIsValid() throws IOException {
        Path schema = officialSchema();
        JsonNode official = MAPPER.readTree(schema.toFile());
        assertEquals("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json",
                official.at("/id").asText(), "OASIS's SARIF 2.1.0 schema (errata 01) at " + schema);
        assertValid(schema, sarif);
        JsonNode run = sarif.at("/runs/0");
        assertTrue(run.at("/artifacts").size() > 200, "every fixture scanned: " + run.at("/artifacts").size());
        assertEquals("%3Cstdin%3E", run.at("/artifacts/0/location/uri").asText());
        assertFalse(run.at("/tool/driver/version").asText().isEmpty());
        // every rule carries its help, default level and tags
        for (JsonNode rule : run.at("/tool/driver/rules")) {
            assertFalse(rule.at("/shortDescription/text").asText().isEmpty(), rule::toString);
            assertFalse(rule.at("/fullDescription/text").asText().isEmpty(), rule::toString);
            assertFalse(rule.at("/help/text").asText().isEmpty(), rule::toString);
            assertTrue(Set.of("error", "warning", "note").contains(rule.at("/defaultConfiguration/level").asText()));
            assertTrue(rule.at("/properties/tags").size() > 0, rule::toString);
        }
        // every result has a fingerprint, and no two results share one
        Set<String> fingerprints = new HashSet<>();
        int results = 0;
        for (JsonNode r : run.at("/results")) {
            results++;
            fingerprints.add(r.at("/partialFingerprints/ptsafeFinding~1v1").asText());
        }
        assertTrue(results > 100, "findings: " + results);
        assertEquals(results, fingerprints.size());
        assertFalse(fingerprints.contains(""));
        // files read whole carry their hash; archive members do not
        int hashed = 0;
        for (JsonNode a : run.at("/artifacts")) {
            if (a.has("hashes")) {
                hashed++;
                assertTrue(a.at("/hashes/sha-256").asText().matches("[0-9a-f]{64}"), a::toString);
            } else {
                assertTrue(a.at("/location/uri").asText().contains("!"), a::toString);
            }
        }
        assertTrue(hashed > 200, "hashed: " + hashed);
    }

    @Test
    void jsonOfEveryFixtureIsValid() throws IOException {
        assertValid(Path.of("..", "docs", "scan-report.schema.json"), json);
        assertEquals("<stdin>", json.at("/reports/0/path").asText());
        assertEquals(sarif.at("/runs/0/artifacts").size(), json.at("/reports").size());
    }

    @Test
    void fingerprintsAreStableFromRunToRun() throws IOException {
        List<String> again = new ArrayList<>();
        CliRun r = CliRun.of("scan", "--sarif", "--fail-on", "none", FIXTURES.get(0));
        for (JsonNode res : MAPPER.readTree(r.out()).at("/runs/0/results")) {
            again.add(res.at("/partialFingerprints/ptsafeFinding~1v1").asText());
        }
        Set<String> first = new HashSet<>();
        sarif.at("/runs/0/results").forEach(res -> first.add(res.at("/partialFingerprints/ptsafeFinding~1v1").asText()));
        assertTrue(first.containsAll(again), "the same files give the same fingerprints");
    }
}
