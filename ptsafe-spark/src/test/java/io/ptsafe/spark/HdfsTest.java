package io.ptsafe.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.cli.InProcessCli;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads from a real HDFS (Hadoop's MiniDFSCluster, in this JVM): remote files are copied to the
 * executor's temporary folder, scanned exactly as ptsafe scan scans the same files on disk, and
 * deleted; a file over maxRemoteFileBytes or gone is a row, never a failed job.
 */
class HdfsTest {
    static final String MALICIOUS = "ptsafe-pickle/src/test/resources/torch/malicious";
    static final String ARCHIVES = "ptsafe-cli/src/test/resources/archives";
    static MiniDFSCluster cluster;
    static String root;

    @BeforeAll
    static void start(@TempDir java.nio.file.Path base) throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.toString());
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        FileSystem fs = cluster.getFileSystem();
        root = fs.getUri() + "/store";
        for (String f : List.of(MALICIOUS, ARCHIVES, "samples")) {
            fs.copyFromLocalFile(new Path(TestSpark.fixtures(f).toString()), new Path(root + "/" + name(f)));
        }
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.shutdown();
        }
    }

    private static String name(String folder) {
        return folder.substring(folder.lastIndexOf('/') + 1);
    }

    @Test
    void rowsAreTheCliReportsOfTheSameFiles(@TempDir java.nio.file.Path temp) throws Exception {
        for (String folder : List.of(MALICIOUS, ARCHIVES)) {
            String local = TestSpark.fixtures(folder).toString();
            String remote = root + "/" + name(folder);
            Map<String, Object> json = Json.object(Json.parse(InProcessCli.run("scan", "--json", local).out()));
            List<Row> rows = TestSpark.session().read().format("ptsafe").option("localTempDir", temp.toString())
                    .load(remote).collectAsList();
            Map<String, Row> byPath = new HashMap<>();
            rows.forEach(r -> byPath.put(r.getAs("path"), r));
            List<Object> reports = Json.array(json.get("reports"));
            assertEquals(reports.size() + Json.array(json.get("skipped")).size(), rows.size(), folder);
            for (Object o : reports) {
                Map<String, Object> rep = Json.object(o);
                String path = ((String) rep.get("path")).replace(local, remote);
                Row row = byPath.get(path);
                assertNotNull(row, () -> "no row for " + path);
                assertEquals(rep.get("verdict"), row.getAs("verdict"), path);
                assertEquals(rep.get("container"), row.getAs("container"), path);
                String expected = FilesModeTest.findings(rep).toString().replace(local, remote);
                assertEquals(expected, FilesModeTest.findings(row).toString(), path);
            }
            try (var left = Files.list(temp)) {
                assertEquals(0, left.count(), "the copies are deleted");
            }
        }
    }

    @Test
    void tensorsAreThoseOfTheLocalFiles() {
        List<Row> remote = TestSpark.session().read().format("ptsafe").option("mode", "tensors")
                .load(root + "/samples").collectAsList();
        List<Row> local = TestSpark.session().read().format("ptsafe").option("mode", "tensors")
                .load(TestSpark.fixtures("samples").toString()).collectAsList();
        assertEquals(8, remote.size());
        assertEquals(local.stream().map(r -> List.of(r.getAs("name"), r.getAs("sha256"))).toList(),
                remote.stream().map(r -> List.of(r.getAs("name"), r.getAs("sha256"))).toList());
        assertTrue(remote.stream().allMatch(r -> r.<String>getAs("path").startsWith(root + "/samples/")));
    }

    @Test
    void aFileOverTheCapIsAnInvalidRowNamingTheSetting() {
        List<Row> rows = TestSpark.session().read().format("ptsafe").option("maxRemoteFileBytes", "1500")
                .load(root + "/samples/mlp.pt", root + "/samples/mlp.legacy.pt").collectAsList();
        Map<String, Row> byPath = new HashMap<>();
        rows.forEach(r -> byPath.put(r.getAs("path"), r));
        Row big = byPath.get(root + "/samples/mlp.pt");
        assertNotNull(big, byPath::toString);
        assertEquals("INVALID", big.getAs("verdict"));
        Row finding = big.<Row>getList(big.fieldIndex("findings")).getFirst();
        assertEquals("PTS204", finding.getAs("ruleId"));
        assertTrue(finding.<String>getAs("message").contains("1735 bytes, over maxRemoteFileBytes = 1500"),
                finding.<String>getAs("message"));
        assertEquals("SAFE", byPath.get(root + "/samples/mlp.legacy.pt").getAs("verdict"));
    }

    @Test
    void aFileGoneBeforeItIsReadIsARow() throws Exception {
        ScanSettings settings = ScanSettings.of(Map.of());
        FileScan scan = new FileScan(settings, cluster.getFileSystem().getConf());
        List<InternalRow> rows = scan.rows(FileTask.scan(root + "/gone.pt", false, false, 10));
        assertEquals(1, rows.size());
        assertEquals("INVALID", rows.getFirst().getUTF8String(5).toString());
        String message = rows.getFirst().getArray(7).getStruct(0, Schemas.FINDING.size()).getUTF8String(4).toString();
        assertTrue(message.startsWith("cannot copy the file to scan it: java.io.FileNotFoundException"), message);
    }
}
