package io.ptsafe.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.ptsafe.LoadOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads and writes a {@link Policy} as JSON ({@code ptsafe.json}, see docs/ci.md), strictly: an
 * unknown key, a duplicate key, a value of the wrong type, an unknown fail-on value or limit, a
 * global from a code-execution family, or an ignored path without a reason is an error naming the
 * file, the line and the key. A policy that half applies is worse than none.
 *
 * <pre>{@code
 * {
 *   "failOn": ["unsafe", "invalid"],
 *   "inertGlobals": ["argparse.Namespace"],
 *   "limits": {"maxTensors": 200000, "maxPickleBytes": "512MiB"},
 *   "ignore": [{"path": "tests/fixtures/malicious/**", "reason": "attack samples for the scanner's tests"}]
 * }
 * }</pre>
 */
final class PolicyFile {
    /** A policy is a few lines; a bigger file is a mistake (a model given as --config). */
    static final long MAX_BYTES = 1 << 20;
    static final List<String> KEYS = List.of("failOn", "inertGlobals", "limits", "ignore");

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).maxStringLength(1 << 16).build())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private PolicyFile() {
    }

    /**
     * {@return the policy in {@code file}}
     *
     * @throws IllegalArgumentException naming the file, the place and the key, for anything wrong in it
     * @throws IOException              when the file cannot be read
     */
    static Policy read(Path file) throws IOException {
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            // read within the bound whatever the file is (a fifo or /dev/stdin has no size)
            bytes = in.readNBytes((int) MAX_BYTES + 1);
        }
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException(file + ": over the " + MAX_BYTES + " bytes a policy file may have");
        }
        try (JsonParser p = FACTORY.createParser(bytes)) {
            return new Reader(file, p).policy();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getOriginalMessage() + at(e.getLocation()));
        }
    }

    /** {@return {@code policy} as the JSON {@link #read} reads back} */
    static byte[] write(Policy policy) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            if (policy.failOn() != null) {
                g.writeArrayFieldStart("failOn");
                for (FailOn f : FailOn.values()) {
                    if (policy.failOn().contains(f)) {
                        g.writeString(f.label());
                    }
                }
                if (policy.failOn().isEmpty()) {
                    g.writeString("none");
                }
                g.writeEndArray();
            }
            g.writeArrayFieldStart("inertGlobals");
            for (String s : policy.inertGlobals()) {
                g.writeString(s);
            }
            g.writeEndArray();
            g.writeObjectFieldStart("limits");
            for (LimitOption.Setting s : policy.limits()) {
                g.writeNumberField(s.name(), s.value());
            }
            g.writeEndObject();
            g.writeArrayFieldStart("ignore");
            for (Policy.Ignore i : policy.ignore()) {
                g.writeStartObject();
                g.writeStringField("path", i.path());
                g.writeStringField("reason", i.reason());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        out.write('\n');
        return out.toByteArray();
    }

    private static String at(JsonLocation l) {
        return l == null || l.getLineNr() < 0 ? "" : " (line " + l.getLineNr() + ", column " + l.getColumnNr() + ")";
    }

    /** One pass over the tokens; every error names the file and the place. */
    private static final class Reader {
        private final Path file;
        private final JsonParser p;

        Reader(Path file, JsonParser p) {
            this.file = file;
            this.p = p;
        }

        Policy policy() throws IOException {
            expect(p.nextToken(), JsonToken.START_OBJECT, "the policy");
            Set<FailOn> failOn = null;
            List<String> inert = List.of();
            List<LimitOption.Setting> limits = List.of();
            List<Policy.Ignore> ignore = List.of();
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                expect(t, JsonToken.FIELD_NAME, "the policy");
                String key = p.currentName();
                JsonToken v = p.nextToken();
                switch (key) {
                    case "failOn" -> {
                        try {
                            failOn = FailOn.parse(strings(v, key));
                        } catch (IllegalArgumentException e) {
                            throw error("failOn: " + e.getMessage());
                        }
                    }
                    case "inertGlobals" -> {
                        inert = strings(v, key);
                        try {
                            LoadOptions.builder().addInertGlobals(inert.toArray(String[]::new));
                        } catch (IllegalArgumentException e) {
                            throw error("inertGlobals: " + e.getMessage());
                        }
                    }
                    case "limits" -> limits = limits(v);
                    case "ignore" -> ignore = ignore(v);
                    default -> throw error("unknown key '" + key + "'; the keys are: " + String.join(", ", KEYS));
                }
            }
            if (p.nextToken() != null) {
                throw error("content after the policy's closing brace");
            }
            return new Policy(file, failOn, inert, limits, ignore);
        }

        private List<String> strings(JsonToken t, String key) throws IOException {
            expect(t, JsonToken.START_ARRAY, key + " (an array of strings)");
            List<String> out = new ArrayList<>();
            for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                expect(e, JsonToken.VALUE_STRING, key + "[" + out.size() + "] (a string)");
                out.add(p.getText());
            }
            return out;
        }

        private List<LimitOption.Setting> limits(JsonToken t) throws IOException {
            expect(t, JsonToken.START_OBJECT, "limits (an object of NAME: number or size)");
            List<LimitOption.Setting> out = new ArrayList<>();
            for (JsonToken e = p.nextToken(); e != JsonToken.END_OBJECT; e = p.nextToken()) {
                expect(e, JsonToken.FIELD_NAME, "limits");
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v != JsonToken.VALUE_NUMBER_INT && v != JsonToken.VALUE_STRING) {
                    throw error("limits." + name + ": expected a whole number or a size such as \"512MiB\", found " + v);
                }
                try {
                    out.add(LimitOption.parse(name + "=" + p.getText()));
                } catch (TypeConversionException ex) {
                    throw error("limits." + name + ": " + ex.getMessage());
                }
            }
            return out;
        }

        private List<Policy.Ignore> ignore(JsonToken t) throws IOException {
            expect(t, JsonToken.START_ARRAY, "ignore (an array of {\"path\", \"reason\"})");
            List<Policy.Ignore> out = new ArrayList<>();
            for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                String where = "ignore[" + out.size() + "]";
                expect(e, JsonToken.START_OBJECT, where + " (an object {\"path\", \"reason\"})");
                String path = null;
                String reason = null;
                for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
                    expect(k, JsonToken.FIELD_NAME, where);
                    String key = p.currentName();
                    expect(p.nextToken(), JsonToken.VALUE_STRING, where + "." + key + " (a string)");
                    switch (key) {
                        case "path" -> path = p.getText();
                        case "reason" -> reason = p.getText();
                        default -> throw error("unknown key '" + where + "." + key + "'; an ignore entry has: path, reason");
                    }
                }
                if (path == null || reason == null) {
                    throw error(where + ": " + (path == null ? "no \"path\"" : "no \"reason\" for '" + path
                            + "'; every ignored path needs one, which the report repeats"));
                }
                try {
                    out.add(new Policy.Ignore(path, reason));
                } catch (IllegalArgumentException ex) {
                    throw error(where + ": " + ex.getMessage());
                }
            }
            return out;
        }

        private void expect(JsonToken seen, JsonToken wanted, String what) {
            if (seen != wanted) {
                throw error(what + ": expected " + (wanted == JsonToken.FIELD_NAME ? "a key" : wanted.asString()) + ", found " + (seen == null ? "the end of the file"
                        : seen.isScalarValue() ? seen + " " + quoted() : seen.asString()));
            }
        }

        private String quoted() {
            try {
                return "'" + p.getText() + "'";
            } catch (IOException e) {
                return "";
            }
        }

        private IllegalArgumentException error(String message) {
            return new IllegalArgumentException(file + ": " + message + at(p.currentTokenLocation()));
        }
    }
}
