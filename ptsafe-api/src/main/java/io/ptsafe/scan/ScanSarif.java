package io.ptsafe.scan;

import com.fasterxml.jackson.core.JsonGenerator;
import io.ptsafe.scan.ScanFinding.Location;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/**
 * A SARIF 2.1.0 log of scan reports. Binary files have no lines: results are located by byte
 * offset ({@code region.byteOffset}), and the zip entry or pickle they lie in is a logical location.
 */
final class ScanSarif {
    static final String SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

    private ScanSarif() {
    }

    static void write(List<ScanReport> reports, OutputStream out) throws IOException {
        write(reports, null, out);
    }

    /** With {@code tree}'s skipped files and outside links as notifications when it is not null. */
    static void write(List<ScanReport> reports, TreeScan tree, OutputStream out) throws IOException {
        try (JsonGenerator g = ScanJson.generator(out)) {
            g.writeStartObject();
            g.writeStringField("$schema", SCHEMA);
            g.writeStringField("version", "2.1.0");
            g.writeArrayFieldStart("runs");
            g.writeStartObject();
            driver(g);
            artifacts(g, reports);
            results(g, reports);
            if (tree != null) {
                invocation(g, tree);
            }
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
        }
        out.flush();
    }

    private static void driver(JsonGenerator g) throws IOException {
        g.writeObjectFieldStart("tool");
        g.writeObjectFieldStart("driver");
        g.writeStringField("name", "ptsafe");
        String version = ScanReports.version();
        if (version != null) {
            g.writeStringField("version", version);
        }
        g.writeArrayFieldStart("rules");
        for (ScanRule r : ScanRule.values()) {
            g.writeStartObject();
            g.writeStringField("id", r.id());
            g.writeStringField("name", r.slug());
            text(g, "shortDescription", r.title());
            text(g, "fullDescription", r.help());
            text(g, "help", r.help());
            g.writeObjectFieldStart("defaultConfiguration");
            g.writeStringField("level", level(r.defaultSeverity()));
            g.writeEndObject();
            g.writeObjectFieldStart("properties");
            g.writeStringField("verdict", r.effect().name());
            g.writeArrayFieldStart("tags");
            g.writeString(r.effect() == ScanReport.Verdict.UNSAFE ? "security" : "correctness");
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void artifacts(JsonGenerator g, List<ScanReport> reports) throws IOException {
        g.writeArrayFieldStart("artifacts");
        for (ScanReport r : reports) {
            g.writeStartObject();
            g.writeObjectFieldStart("location");
            g.writeStringField("uri", uri(r.path()));
            g.writeEndObject();
            if (r.digest().isPresent()) {
                g.writeNumberField("length", r.digest().get().size());
                g.writeObjectFieldStart("hashes");
                g.writeStringField("sha-256", r.digest().get().sha256());
                g.writeEndObject();
            }
            g.writeObjectFieldStart("properties");
            g.writeStringField("container", r.container().name());
            g.writeStringField("verdict", r.verdict().name());
            g.writeBooleanField("complete", r.complete());
            if (r.tensors().isPresent()) {
                g.writeNumberField("tensors", r.tensors().get().count());
                g.writeNumberField("tensorBytes", r.tensors().get().bytes());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void results(JsonGenerator g, List<ScanReport> reports) throws IOException {
        g.writeArrayFieldStart("results");
        for (int i = 0; i < reports.size(); i++) {
            ScanReport r = reports.get(i);
            List<String> fingerprints = SarifFingerprints.of(r);
            for (int k = 0; k < r.findings().size(); k++) {
                result(g, r, i, r.findings().get(k), fingerprints.get(k));
            }
        }
        g.writeEndArray();
    }

    private static void result(JsonGenerator g, ScanReport r, int artifact, ScanFinding f, String fingerprint)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("ruleId", f.rule().id());
        g.writeNumberField("ruleIndex", f.rule().ordinal());
        g.writeStringField("level", level(f.severity()));
        text(g, "message", f.message());
        g.writeArrayFieldStart("locations");
        g.writeStartObject();
        Location l = f.location();
        g.writeObjectFieldStart("physicalLocation");
        g.writeObjectFieldStart("artifactLocation");
        g.writeStringField("uri", uri(r.path()));
        g.writeNumberField("index", artifact);
        g.writeEndObject();
        if (l.fileOffset() >= 0) {
            g.writeObjectFieldStart("region");
            g.writeNumberField("byteOffset", l.fileOffset());
            g.writeEndObject();
        }
        g.writeEndObject();
        if (l.entry() != null) {
            g.writeArrayFieldStart("logicalLocations");
            g.writeStartObject();
            g.writeStringField("name", l.entry());
            g.writeStringField("fullyQualifiedName", l.entry());
            g.writeEndObject();
            g.writeEndArray();
        }
        g.writeEndObject();
        g.writeEndArray();
        g.writeObjectFieldStart("partialFingerprints");
        g.writeStringField(SarifFingerprints.KEY, fingerprint);
        g.writeEndObject();
        g.writeObjectFieldStart("properties");
        g.writeStringField("verdict", f.effect().name());
        g.writeStringField("container", r.container().name());
        if (l.entryOffset() >= 0) {
            g.writeNumberField("entryOffset", l.entryOffset());
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    /** Every file a tree scan did not scan, and every link it followed out of the tree, as a note. */
    private static void invocation(JsonGenerator g, TreeScan tree) throws IOException {
        g.writeArrayFieldStart("invocations");
        g.writeStartObject();
        g.writeBooleanField("executionSuccessful", true);
        g.writeArrayFieldStart("toolExecutionNotifications");
        for (TreeScan.Skipped k : tree.skipped()) {
            notification(g, k.location(), "not scanned: " + k.reason());
        }
        for (TreeScan.OutsideLink l : tree.outsideLinks()) {
            notification(g, l.location(), "a symbolic link out of the folder scanned, followed to " + l.target());
        }
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndArray();
    }

    private static void notification(JsonGenerator g, String location, String message) throws IOException {
        g.writeStartObject();
        g.writeStringField("level", "note");
        text(g, "message", message);
        g.writeArrayFieldStart("locations");
        g.writeStartObject();
        g.writeObjectFieldStart("physicalLocation");
        g.writeObjectFieldStart("artifactLocation");
        g.writeStringField("uri", uri(Path.of(location)));
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void text(JsonGenerator g, String field, String text) throws IOException {
        g.writeObjectFieldStart(field);
        g.writeStringField("text", text);
        g.writeEndObject();
    }

    private static String level(ScanFinding.Severity s) {
        return switch (s) {
            case ERROR -> "error";
            case WARNING -> "warning";
            case NOTE -> "note";
        };
    }

    /**
     * A relative path stays a relative URI reference (code-scanning tools resolve it against the
     * checkout), without {@code .} segments; an absolute one becomes a {@code file:} URI.
     */
    static String uri(Path p) {
        if (p.isAbsolute()) {
            return p.toUri().toASCIIString();
        }
        // ./models/x.pt and models/x.pt are one file: one URI, so one fingerprint whichever folder was given
        String s = p.normalize().toString().replace(File.separatorChar, '/');
        if (s.isEmpty()) {
            s = ".";
        }
        int colon = s.indexOf(':');
        int slash = s.indexOf('/');
        if (colon >= 0 && (slash < 0 || colon < slash)) {
            s = "./" + s; // "a:b" would read as a scheme
        }
        try {
            return new URI(null, null, s, null).toASCIIString();
        } catch (URISyntaxException e) {
            return p.toAbsolutePath().toUri().toASCIIString();
        }
    }
}
