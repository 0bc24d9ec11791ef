package io.ptsafe.scan;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.ptsafe.scan.ScanFinding.Location;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import io.ptsafe.DType;

/** ptsafe's JSON scan report; every field is described in {@code docs/scan-report.schema.json}. */
final class ScanJson {
    static final String FORMAT = "ptsafe-scan-report";
    static final int FORMAT_VERSION = 1;

    private ScanJson() {
    }

    static JsonGenerator generator(OutputStream out) throws IOException {
        JsonGenerator g = new JsonFactory().createGenerator(out, JsonEncoding.UTF8);
        g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        g.useDefaultPrettyPrinter();
        return g;
    }

    static void write(List<ScanReport> reports, OutputStream out) throws IOException {
        write(reports, null, out);
    }

    /** With {@code tree}'s skipped files and outside links when it is not null. */
    static void write(List<ScanReport> reports, TreeScan tree, OutputStream out) throws IOException {
        try (JsonGenerator g = generator(out)) {
            g.writeStartObject();
            g.writeStringField("format", FORMAT);
            g.writeNumberField("formatVersion", FORMAT_VERSION);
            g.writeObjectFieldStart("tool");
            g.writeStringField("name", "ptsafe");
            String version = ScanReports.version();
            if (version != null) {
                g.writeStringField("version", version);
            }
            g.writeEndObject();
            summary(g, reports, tree);
            g.writeArrayFieldStart("reports");
            for (ScanReport r : reports) {
                report(g, r);
            }
            g.writeEndArray();
            if (tree != null) {
                g.writeArrayFieldStart("skipped");
                for (TreeScan.Skipped k : tree.skipped()) {
                    g.writeStartObject();
                    g.writeStringField("location", k.location());
                    g.writeStringField("reason", k.reason());
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeArrayFieldStart("outsideLinks");
                for (TreeScan.OutsideLink l : tree.outsideLinks()) {
                    g.writeStartObject();
                    g.writeStringField("location", l.location());
                    g.writeStringField("target", l.target().toString());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
        out.flush();
    }

    private static void summary(JsonGenerator g, List<ScanReport> reports, TreeScan tree) throws IOException {
        long[] counts = new long[ScanReport.Verdict.values().length];
        for (ScanReport r : reports) {
            counts[r.verdict().ordinal()]++;
        }
        g.writeObjectFieldStart("summary");
        g.writeNumberField("files", reports.size());
        g.writeStringField("verdict", ScanReports.worst(reports).name());
        g.writeNumberField("safe", counts[ScanReport.Verdict.SAFE.ordinal()]);
        g.writeNumberField("unsafe", counts[ScanReport.Verdict.UNSAFE.ordinal()]);
        g.writeNumberField("invalid", counts[ScanReport.Verdict.INVALID.ordinal()]);
        if (tree != null) {
            g.writeNumberField("skipped", tree.skipped().size());
        }
        g.writeEndObject();
    }

    private static void report(JsonGenerator g, ScanReport r) throws IOException {
        g.writeStartObject();
        g.writeStringField("path", r.path().toString());
        g.writeStringField("container", r.container().name());
        g.writeStringField("verdict", r.verdict().name());
        g.writeBooleanField("complete", r.complete());
        if (r.digest().isPresent()) {
            g.writeNumberField("size", r.digest().get().size());
            g.writeStringField("sha256", r.digest().get().sha256());
        }
        g.writeArrayFieldStart("findings");
        for (ScanFinding f : r.findings()) {
            g.writeStartObject();
            g.writeStringField("ruleId", f.rule().id());
            g.writeStringField("rule", f.rule().slug());
            g.writeStringField("severity", f.severity().name());
            g.writeStringField("effect", f.effect().name());
            g.writeStringField("message", f.message());
            location(g, f.location());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberField("omittedFindings", r.omittedFindings());
        g.writeArrayFieldStart("globals");
        for (ScanReport.Global gl : r.globals()) {
            g.writeStartObject();
            g.writeStringField("resolved", gl.resolved());
            if (gl.module() != null) {
                g.writeStringField("module", gl.module());
            }
            if (gl.name() != null) {
                g.writeStringField("name", gl.name());
            }
            g.writeStringField("kind", gl.kind().name());
            if (gl.family() != null) {
                g.writeStringField("family", gl.family());
            }
            if (gl.opcode() != null) {
                g.writeStringField("opcode", gl.opcode());
            }
            location(g, gl.location());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberField("omittedGlobals", r.omittedGlobals());
        if (r.tensors().isPresent()) {
            ScanReport.TensorInventory t = r.tensors().get();
            g.writeObjectFieldStart("tensors");
            g.writeNumberField("count", t.count());
            g.writeNumberField("bytes", t.bytes());
            g.writeObjectFieldStart("dtypes");
            for (Map.Entry<DType, Long> e : t.dtypes().entrySet()) {
                g.writeNumberField(e.getKey().name(), e.getValue());
            }
            g.writeEndObject();
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static void location(JsonGenerator g, Location l) throws IOException {
        g.writeObjectFieldStart("location");
        if (l.entry() != null) {
            g.writeStringField("entry", l.entry());
        }
        if (l.entryOffset() >= 0) {
            g.writeNumberField("entryOffset", l.entryOffset());
        }
        if (l.fileOffset() >= 0) {
            g.writeNumberField("fileOffset", l.fileOffset());
        }
        g.writeEndObject();
    }
}
