package io.ptsafe.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersionDetector;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Validates JSON against the committed report schema and the official SARIF schema. Test code shared
 * by the ptsafe-api and ptsafe-pickle tests (added to both as a test source folder).
 */
public final class SchemaCheck {
    public static final ObjectMapper MAPPER = new ObjectMapper();

    private SchemaCheck() {
    }

    /** docs/scan-report.schema.json, from the module folder (surefire's working directory). */
    public static Path reportSchema() {
        return Path.of("..", "docs", "scan-report.schema.json");
    }

    /** The official SARIF 2.1.0 schema in the shared folder; the test is skipped when it is absent. */
    public static Path sarifSchema() {
        String dir = System.getProperty("ptsafe.shared.dir", Path.of("..", "..", "shared").toString());
        Path p = Path.of(dir, "schemas", "sarif-schema-2.1.0.json");
        assumeTrue(Files.isRegularFile(p), "the official SARIF 2.1.0 schema is not at " + p.toAbsolutePath()
                + " (set -Dptsafe.shared.dir): SARIF output not validated against it");
        return p;
    }

    /** Parses {@code json} and asserts it is valid under the schema at {@code schema} (its own draft). */
    public static JsonNode assertValid(Path schema, byte[] json) throws IOException {
        JsonNode schemaNode = MAPPER.readTree(Files.readAllBytes(schema));
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersionDetector.detect(schemaNode));
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        JsonSchema s = factory.getSchema(schemaNode, config);
        JsonNode doc = MAPPER.readTree(json);
        Set<ValidationMessage> errors = s.validate(doc);
        assertEquals(Set.of(), errors, () -> "invalid under " + schema + ":\n" + new String(json,
                java.nio.charset.StandardCharsets.UTF_8));
        return doc;
    }
}
