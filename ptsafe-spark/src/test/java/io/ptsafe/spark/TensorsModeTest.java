package io.ptsafe.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.cli.InProcessCli;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** mode=tensors: one row per tensor of every SAFE file, as {@code ptsafe inspect --json --hash} lists them. */
class TensorsModeTest {
    @Test
    void rowsAreTheCliInventory() {
        String[] folders = FilesModeTest.FOLDERS.toArray(String[]::new);
        List<Row> rows = TestSpark.session().read().format("ptsafe").option("mode", "tensors").load(folders)
                .collectAsList();
        Map<String, List<List<Object>>> byPath = new LinkedHashMap<>();
        for (Row r : rows) {
            byPath.computeIfAbsent(r.getAs("path"), k -> new ArrayList<>()).add(List.of(r.getAs("name"),
                    r.getAs("dtype"), r.getList(r.fieldIndex("shape")), r.getAs("bytes"), r.getAs("sha256")));
        }
        Map<String, Object> scan = Json.object(Json.parse(InProcessCli.run(FilesModeTest.concat(List.of("scan",
                "--json"), FilesModeTest.FOLDERS)).out()));
        Set<String> safe = Json.array(scan.get("reports")).stream().map(Json::object)
                .filter(r -> r.get("verdict").equals("SAFE") && !((String) r.get("path")).contains("!"))
                .map(r -> (String) r.get("path")).collect(Collectors.toCollection(java.util.TreeSet::new));
        assertTrue(safe.containsAll(byPath.keySet()), "tensor rows only of SAFE files");
        int compared = 0;
        for (String path : safe) {
            InProcessCli.Result inspect = InProcessCli.run("inspect", "--json", "--hash", path);
            if (inspect.exitCode() != 0) {
                assertEquals(List.of(), byPath.getOrDefault(path, List.of()), path);
                continue;
            }
            List<List<Object>> expected = new ArrayList<>();
            for (Object o : Json.array(Json.object(Json.parse(inspect.out())).get("tensors"))) {
                Map<String, Object> t = Json.object(o);
                expected.add(List.of(t.get("name"), t.get("dtype"), t.get("shape"), t.get("bytes"), t.get("sha256")));
            }
            assertEquals(expected, byPath.getOrDefault(path, List.of()), path);
            compared += expected.size();
        }
        assertTrue(compared > 100, "tensors compared: " + compared);
    }
}
