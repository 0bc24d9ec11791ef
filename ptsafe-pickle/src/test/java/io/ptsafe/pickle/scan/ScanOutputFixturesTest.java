package io.ptsafe.pickle.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ptsafe.testsupport.SchemaCheck;
import com.fasterxml.jackson.databind.JsonNode;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReports;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The reports of every torch fixture, as JSON and SARIF, valid under their schemas. */
class ScanOutputFixturesTest {
    static List<ScanReport> reports = new ArrayList<>();

    @BeforeAll
    static void scanAll() throws IOException {
        for (Fixtures.Hostile h : Fixtures.hostile()) {
            reports.add(SafeLoader.scan(h.path(), h.options()));
        }
        for (Path p : Fixtures.real()) {
            reports.add(SafeLoader.scan(p));
        }
    }

    @Test
    void json() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ScanReports.writeJson(reports, out);
        JsonNode doc = SchemaCheck.assertValid(SchemaCheck.reportSchema(), out.toByteArray());
        assertEquals(reports.size(), doc.at("/reports").size());
        assertEquals("UNSAFE", doc.at("/summary/verdict").asText());
    }

    @Test
    void sarif() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ScanReports.writeSarif(reports, out);
        JsonNode doc = SchemaCheck.assertValid(SchemaCheck.sarifSchema(), out.toByteArray());
        long findings = reports.stream().mapToLong(r -> r.findings().size()).sum();
        assertEquals(findings, doc.at("/runs/0/results").size());
    }
}
