package io.ptsafe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ptsafe.testsupport.SchemaCheck;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReports;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.scan.TreeScan;

/**
 * {@link SafeLoader#scanTree} without format providers (this module has none): every file is "not a
 * model file", which is enough to check that each is accounted for, and the archive limits.
 */
class TreeScanTest {
    @TempDir
    Path tmp;

    private static TreeScan scan(Path p) {
        return SafeLoader.scanTree(p, LoadOptions.defaults());
    }

    private static List<String> skipped(TreeScan t) {
        return t.skipped().stream().map(s -> s.location() + ": " + s.reason()).toList();
    }

    @Test
    void everyFileIsAccountedForAndTheJsonValidates() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("far.txt"), "x");
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Files.writeString(Files.createDirectories(tree.resolve(".cache/hf")).resolve("blob"), "{}");
        Files.createSymbolicLink(tree.resolve("loop"), tree);
        Files.createSymbolicLink(tree.resolve("out"), outside);
        Files.createSymbolicLink(tree.resolve("again"), tree.resolve(".cache/hf/blob"));
        TreeScan t = scan(tree);
        assertTrue(t.scannedNothing(), t::toString);
        List<String> s = skipped(t);
        assertEquals(4, s.size(), s::toString);
        assertTrue(s.get(0).startsWith(tree.resolve(".cache/hf/blob") + ": not a model file: "), s::toString);
        assertTrue(s.get(1).startsWith(tree.resolve("again") + ": the same file as "), s::toString);
        assertTrue(s.get(2).startsWith(tree.resolve("loop") + ": symbolic link cycle"), s::toString);
        assertTrue(s.get(3).startsWith(tree.resolve("out/far.txt") + ": not a model file"), s::toString);
        assertEquals(List.of(new TreeScan.OutsideLink(tree.resolve("out").toString(), outside.toRealPath())),
                t.outsideLinks());

        Files.write(tree.resolve("bomb.gz"), gzip(new byte[8 << 20]));
        t = scan(tree);
        assertEquals(ScanReport.Verdict.INVALID, t.verdict());
        ScanReport bomb = t.reports().getFirst();
        assertEquals(tree.resolve("bomb.gz"), bomb.path());
        assertEquals(ContainerKind.COMPRESSED, bomb.container());
        assertEquals(ScanRule.ARCHIVE_LIMIT, bomb.findings().getFirst().rule());
        assertTrue(bomb.findings().getFirst().message().contains("maxArchiveRatio"), bomb::toString);

        ByteArrayOutputStream json = new ByteArrayOutputStream();
        ScanReports.writeJson(t, json);
        JsonNode doc = SchemaCheck.assertValid(SchemaCheck.reportSchema(), json.toByteArray());
        assertEquals(4, doc.at("/summary/skipped").asInt());
        assertEquals(tree.resolve("out").toString(), doc.at("/outsideLinks/0/location").asText());

        ByteArrayOutputStream sarif = new ByteArrayOutputStream();
        ScanReports.writeSarif(t, sarif);
        JsonNode log = SchemaCheck.MAPPER.readTree(sarif.toByteArray());
        assertEquals(5, log.at("/runs/0/invocations/0/toolExecutionNotifications").size(), log::toString);
        SchemaCheck.assertValid(SchemaCheck.sarifSchema(), sarif.toByteArray());
    }

    @Test
    void limitsBoundArchives() throws IOException {
        Path tar = tmp.resolve("a.tar");
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(tar))) {
            for (int i = 0; i < 3; i++) {
                TarArchiveEntry e = new TarArchiveEntry("m" + i + ".bin");
                e.setSize(1000);
                out.putArchiveEntry(e);
                out.write(new byte[1000]);
                out.closeArchiveEntry();
            }
        }
        TreeScan ok = scan(tar);
        assertEquals(3, ok.skipped().size(), ok::toString);
        assertEquals(tar + "!m0.bin", ok.skipped().getFirst().location());
        for (String[] l : new String[][] {{"maxArchiveMembers", "2"}, {"maxArchiveBytes", "2500"},
                {"maxArchiveMemberBytes", "999"}}) {
            TreeScan t = SafeLoader.scanTree(tar, LoadOptions.builder().limit(l[0], Long.parseLong(l[1])).build());
            assertEquals(ScanReport.Verdict.INVALID, t.verdict(), t::toString);
            assertTrue(t.reports().getFirst().findings().getFirst().message().contains(l[0]), t::toString);
        }
        // a zip's records are counted before commons-compress reads its directory
        Path many = tmp.resolve("many.zip");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(many))) {
            for (int i = 0; i < 5; i++) {
                z.putNextEntry(new ZipEntry("e" + i));
                z.closeEntry();
            }
        }
        TreeScan counted = SafeLoader.scanTree(many, LoadOptions.builder().maxArchiveMembers(4).build());
        assertTrue(counted.reports().getFirst().findings().getFirst().message().contains("central directory records"),
                counted::toString);
        assertEquals(5, scan(many).skipped().size());
        // a zip inside a zip inside a zip, one level deeper than allowed
        Path zip = tmp.resolve("z.zip");
        Files.write(zip, zip("a.zip", zip("b.zip", zip("c.txt", new byte[] {'x'}))));
        assertEquals(1, scan(zip).skipped().size());
        TreeScan deep = SafeLoader.scanTree(zip, LoadOptions.builder().maxArchiveDepth(2).build());
        assertEquals(ScanReport.Verdict.INVALID, deep.verdict(), deep::toString);
        assertEquals(Path.of(zip + "!a.zip!b.zip"), deep.reports().getFirst().path());
    }

    @Test
    void theTemporaryFilesAreDeleted() throws IOException {
        Path zip = tmp.resolve("z.zip");
        Files.write(zip, zip("m.bin", new byte[100]));
        Path sys = Path.of(System.getProperty("java.io.tmpdir"));
        long before = count(sys);
        scan(zip);
        assertEquals(before, count(sys));
    }

    private static long count(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith("ptsafe-scan-")).count();
        }
    }

    private static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(b)) {
            out.write(data);
        }
        return b.toByteArray();
    }

    private static byte[] zip(String name, byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(b)) {
            z.putNextEntry(new ZipEntry(name));
            z.write(data);
            z.closeEntry();
        }
        return b.toByteArray();
    }
}
