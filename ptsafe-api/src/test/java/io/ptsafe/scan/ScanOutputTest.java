package io.ptsafe.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.testsupport.SchemaCheck;
import com.fasterxml.jackson.databind.JsonNode;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanFinding.Severity;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import io.ptsafe.ContainerKind;
import io.ptsafe.DType;

/** JSON and SARIF output validated against docs/scan-report.schema.json and the official SARIF schema. */
class ScanOutputTest {

    static List<ScanReport> sample() {
        ScanReport unsafe = ScanReport.builder(Path.of("models", "évil model.pt"), ContainerKind.TORCH_ZIP)
                .add(ScanRule.DANGEROUS_GLOBAL, Location.inEntry("évil model/data.pkl", 40, 64),
                        "posix.system (family os) named by GLOBAL at byte 40: \"quoted\" \u0007")
                .add(ScanRule.CRC_MISMATCH, Severity.WARNING, Location.entry("évil model/data.pkl", 64), "crc")
                .add(ScanRule.MALFORMED_PICKLE, Location.inEntry("évil model/data.pkl", 90, -1), "after it")
                .add(ScanRule.UNKNOWN_FORMAT, Location.FILE, "file-wide")
                .global(new ScanReport.Global("posix", "system", "posix.system", ScanReport.Global.Kind.DANGEROUS,
                        "posix", "GLOBAL", Location.inEntry("évil model/data.pkl", 40, 64)))
                .global(new ScanReport.Global("collections", "OrderedDict", "collections.OrderedDict",
                        ScanReport.Global.Kind.ALLOWED, null, "STACK_GLOBAL", Location.inEntry("x", 2, -1)))
                .incomplete().build();
        Map<DType, Long> dtypes = new EnumMap<>(DType.class);
        dtypes.put(DType.F32, 3L);
        dtypes.put(DType.I64, 1L);
        ScanReport safe = ScanReport.builder(Path.of("/tmp/ok.safetensors"), ContainerKind.SAFETENSORS)
                .tensors(new ScanReport.TensorInventory(4, 1234, dtypes)).build();
        ScanReport invalid = ScanReport.builder(Path.of("C:weird"), ContainerKind.TAR)
                .add(ScanRule.UNSUPPORTED_FORMAT, Location.FILE, "tar").build();
        return List.of(unsafe, safe, invalid);
    }

    static byte[] json(List<ScanReport> reports) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ScanReports.writeJson(reports, out);
        return out.toByteArray();
    }

    static byte[] sarif(List<ScanReport> reports) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ScanReports.writeSarif(reports, out);
        return out.toByteArray();
    }

    @Test
    void jsonMatchesTheSchema() throws IOException {
        JsonNode doc = SchemaCheck.assertValid(SchemaCheck.reportSchema(), json(sample()));
        assertEquals("UNSAFE", doc.at("/summary/verdict").asText());
        assertEquals(1, doc.at("/summary/invalid").asInt());
        JsonNode first = doc.at("/reports/0");
        assertEquals("PTS100", first.at("/findings/0/ruleId").asText());
        assertEquals(104, first.at("/findings/0/location/fileOffset").asLong());
        assertEquals(40, first.at("/findings/0/location/entryOffset").asLong());
        assertFalse(first.at("/findings/2/location").has("fileOffset"));
        assertEquals("DANGEROUS", first.at("/globals/0/kind").asText());
        assertFalse(first.get("complete").asBoolean());
        assertFalse(first.has("tensors"));
        assertEquals(3, doc.at("/reports/1/tensors/dtypes/F32").asInt());
        assertTrue(doc.at("/reports/0/findings/0/message").asText().endsWith("\u0007"));
        assertEquals(SchemaCheck.assertValid(SchemaCheck.reportSchema(), json(List.of())).at("/summary/verdict")
                .asText(), "SAFE");
    }

    @Test
    void sarifMatchesTheOfficialSchema() throws IOException {
        JsonNode doc = SchemaCheck.assertValid(SchemaCheck.sarifSchema(), sarif(sample()));
        checkSarif(doc);
        SchemaCheck.assertValid(SchemaCheck.sarifSchema(), sarif(List.of()));
    }

    /** The validators do reject: a level SARIF does not define, a verdict the report schema does not. */
    @Test
    void validatorsRejectWhatTheSchemasForbid() throws IOException {
        String sarif = new String(sarif(sample()), java.nio.charset.StandardCharsets.UTF_8).replace("\"warning\"", "\"fatal\"");
        String json = new String(json(sample()), java.nio.charset.StandardCharsets.UTF_8).replace("\"INVALID\"", "\"BROKEN\"");
        org.junit.jupiter.api.Assertions.assertThrows(org.opentest4j.AssertionFailedError.class,
                () -> SchemaCheck.assertValid(SchemaCheck.reportSchema(), json.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        Path sarifSchema = SchemaCheck.sarifSchema();
        org.junit.jupiter.api.Assertions.assertThrows(org.opentest4j.AssertionFailedError.class,
                () -> SchemaCheck.assertValid(sarifSchema, sarif.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** Also without the official schema: rules from the catalog, results pointing at them and at artifacts. */
    @Test
    void sarifShape() throws IOException {
        checkSarif(SchemaCheck.MAPPER.readTree(sarif(sample())));
    }

    private static void checkSarif(JsonNode doc) {
        assertEquals("2.1.0", doc.get("version").asText());
        JsonNode run = doc.at("/runs/0");
        JsonNode rules = run.at("/tool/driver/rules");
        assertEquals(ScanRule.values().length, rules.size());
        JsonNode results = run.get("results");
        assertEquals(5, results.size());
        for (JsonNode r : results) {
            JsonNode rule = rules.get(r.get("ruleIndex").asInt());
            assertEquals(rule.get("id").asText(), r.get("ruleId").asText());
            int artifact = r.at("/locations/0/physicalLocation/artifactLocation/index").asInt();
            assertEquals(run.at("/artifacts/" + artifact + "/location/uri").asText(),
                    r.at("/locations/0/physicalLocation/artifactLocation/uri").asText());
        }
        assertEquals(104, results.at("/0/locations/0/physicalLocation/region/byteOffset").asLong());
        assertEquals("évil model/data.pkl", results.at("/0/locations/0/logicalLocations/0/fullyQualifiedName").asText());
        assertEquals("warning", results.at("/1/level").asText());
        assertTrue(results.at("/3/locations/0/physicalLocation").has("artifactLocation"));
        assertFalse(results.at("/3/locations/0/physicalLocation").has("region"));
        assertEquals("models/%C3%A9vil%20model.pt", run.at("/artifacts/0/location/uri").asText());
        assertEquals("file:///tmp/ok.safetensors", run.at("/artifacts/1/location/uri").asText());
        assertEquals("./C:weird", run.at("/artifacts/2/location/uri").asText());
        assertEquals("UNSAFE", run.at("/artifacts/0/properties/verdict").asText());
    }

    /** The schema's enums are the API's. */
    @Test
    void schemaEnumsFollowTheApi() throws IOException {
        JsonNode schema = SchemaCheck.MAPPER.readTree(Files.readAllBytes(SchemaCheck.reportSchema()));
        assertEquals(names(ContainerKind.values()), texts(schema.at("/$defs/report/properties/container/enum")));
        assertEquals(names(ScanReport.Verdict.values()), texts(schema.at("/$defs/verdict/enum")));
        assertEquals(names(Severity.values()), texts(schema.at("/$defs/finding/properties/severity/enum")));
        assertEquals(names(ScanReport.Global.Kind.values()), texts(schema.at("/$defs/global/properties/kind/enum")));
    }

    private static Set<String> names(Enum<?>[] values) {
        return Arrays.stream(values).map(Enum::name).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> texts(JsonNode array) {
        Set<String> s = new TreeSet<>();
        array.forEach(n -> s.add(n.asText()));
        return s;
    }
}
