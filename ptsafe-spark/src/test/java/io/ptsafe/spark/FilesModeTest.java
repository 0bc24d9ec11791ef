package io.ptsafe.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.cli.InProcessCli;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/**
 * mode=files over the project's fixtures (benign, malicious, malformed, archived): every row is
 * what {@code ptsafe scan --json} says of the same folders, finding for finding.
 */
class FilesModeTest {
    static final List<String> FOLDERS = List.of(
            TestSpark.fixtures("ptsafe-pickle/src/test/resources/torch/real").toString(),
            TestSpark.fixtures("ptsafe-safetensors/src/test/resources/safetensors").toString(),
            TestSpark.fixtures("ptsafe-pickle/src/test/resources/torch/malicious").toString(),
            TestSpark.fixtures("ptsafe-pickle/src/test/resources/torch/legacy").toString(),
            TestSpark.fixtures("ptsafe-pickle/src/test/resources/differential/zip").toString(),
            TestSpark.fixtures("ptsafe-cli/src/test/resources/archives").toString());

    @Test
    void rowsAreTheCliReports() throws java.io.IOException {
        InProcessCli.Result cli = InProcessCli.run(concat(List.of("scan", "--json"), FOLDERS));
        Map<String, Object> json = Json.object(Json.parse(cli.out()));
        List<Row> rows = TestSpark.session().read().format("ptsafe").option("mode", "files")
                .load(FOLDERS.toArray(String[]::new)).collectAsList();

        Map<String, Row> byPath = new HashMap<>();
        for (Row r : rows) {
            assertNull(byPath.put(r.getAs("path"), r), () -> "two rows for " + r.getAs("path"));
        }
        List<Object> reports = Json.array(json.get("reports"));
        List<Object> skipped = Json.array(json.get("skipped"));
        assertEquals(reports.size() + skipped.size(), rows.size());

        Map<String, Long> verdicts = new LinkedHashMap<>();
        for (Object o : reports) {
            Map<String, Object> rep = Json.object(o);
            String path = (String) rep.get("path");
            Row row = byPath.get(path);
            assertNotNull(row, () -> "no row for " + path);
            assertEquals(rep.get("container"), row.getAs("container"), path);
            assertEquals(rep.get("verdict"), row.getAs("verdict"), path);
            assertEquals(rep.get("complete"), row.getAs("complete"), path);
            assertEquals(rep.get("omittedFindings"), row.getAs("omittedFindings"), path);
            assertNull(row.getAs("skippedReason"), path);
            assertEquals(findings(rep), findings(row), path);
            Map<String, Object> tensors = Json.object(rep.get("tensors"));
            assertEquals(tensors == null ? null : tensors.get("count"), row.getAs("tensorCount"), path);
            assertEquals(tensors == null ? null : tensors.get("bytes"), row.getAs("tensorBytes"), path);
            assertEquals(Version.PTSAFE, row.getAs("ptsafeVersion"));
            verdicts.merge((String) rep.get("verdict"), 1L, Long::sum);
            if (!path.contains("!")) {
                assertEquals(path, row.getAs("file"));
                assertEquals(java.nio.file.Files.size(java.nio.file.Path.of(path)), (long) row.<Long>getAs("fileSize"));
                assertEquals(64, row.<String>getAs("fileSha256").length());
            } else {
                assertEquals(path.substring(0, path.indexOf('!')), row.getAs("file"));
            }
        }
        for (Object o : skipped) {
            Map<String, Object> k = Json.object(o);
            Row row = byPath.get((String) k.get("location"));
            assertNotNull(row, () -> "no row for skipped " + k.get("location"));
            assertEquals(k.get("reason"), row.getAs("skippedReason"));
            assertNull(row.getAs("verdict"));
        }
        // the fixtures hold each kind of verdict
        assertTrue(verdicts.get("SAFE") > 0 && verdicts.get("UNSAFE") > 0 && verdicts.get("INVALID") > 0,
                verdicts::toString);
        assertFalse(skipped.isEmpty());
        assertTrue(rows.stream().anyMatch(r -> r.<String>getAs("path").contains(".tar.gz!")));
    }

    /** The findings in the row's shape: rule id, slug, level, effect, message, location (null where unknown). */
    static List<List<Object>> findings(Map<String, Object> report) {
        List<List<Object>> out = new ArrayList<>();
        for (Object o : Json.array(report.get("findings"))) {
            Map<String, Object> f = Json.object(o);
            Map<String, Object> l = Json.object(f.get("location"));
            out.add(List.of(f.get("ruleId"), f.get("rule"), f.get("severity"), f.get("effect"), f.get("message"),
                    java.util.Arrays.asList(l.get("entry"), l.get("entryOffset"), l.get("fileOffset"))));
        }
        return out;
    }

    static List<List<Object>> findings(Row row) {
        List<List<Object>> out = new ArrayList<>();
        for (Row f : row.<Row>getList(row.fieldIndex("findings"))) {
            Row l = f.getAs("location");
            out.add(List.of(f.getAs("ruleId"), f.getAs("rule"), f.getAs("level"), f.getAs("effect"), f.getAs("message"),
                    java.util.Arrays.asList(l.getAs("entry"), l.getAs("entryOffset"), l.getAs("fileOffset"))));
        }
        return out;
    }

    static String[] concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all.toArray(String[]::new);
    }
}
