package io.ptsafe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ptsafe scan} fails closed: hidden files, links, archives and pickles that do not look like
 * pickles are all scanned; bombs are INVALID; a scan that found no model file says so. Archives are
 * made by src/test/fixtures/make_archive_cases.py.
 */
class ScanTreeCommandTest {
    static final Path ARCHIVES = Path.of("src/test/resources/archives");
    static final Path SAFE = ScanCommandTest.SAFE;
    static final Path EVIL = ScanCommandTest.MALICIOUS.resolve("zip_os_system_reduce.pt");

    @TempDir
    Path tmp;

    private static CliRun scan(Path... paths) {
        String[] args = new String[paths.length + 1];
        args[0] = "scan";
        for (int i = 0; i < paths.length; i++) {
            args[i + 1] = paths[i].toString();
        }
        return CliRun.of(args);
    }

    private static void unsafe(CliRun r, String location) {
        assertEquals(ExitCodes.ISSUES, r.code(), r::toString);
        assertTrue(r.out().contains("UNSAFE  " + location + " ("), r::toString);
    }

    /** The Hugging Face cache lives under ~/.cache. */
    @Test
    void hiddenFilesAndFoldersAreScanned() throws IOException {
        Path snap = Files.createDirectories(tmp.resolve(".cache/huggingface/hub/models--x/snapshots/abc"));
        Files.copy(EVIL, snap.resolve("pytorch_model.bin"));
        unsafe(scan(tmp), snap.resolve("pytorch_model.bin").toString());
        Files.delete(snap.resolve("pytorch_model.bin"));
        Files.copy(EVIL, tmp.resolve(".hidden.pt"));
        unsafe(scan(tmp), tmp.resolve(".hidden.pt").toString());
    }

    @Test
    void aSymlinkedFolderIsWalkedAndALinkOutOfTheTreeIsListed() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.copy(EVIL, outside.resolve("evil.pt"));
        Path tree = Files.createDirectories(tmp.resolve("tree"));
        Files.copy(SAFE, tree.resolve("model.pt"));
        Path link = Files.createSymbolicLink(tree.resolve("weights"), outside);
        unsafe(scan(link), link.resolve("evil.pt").toString());
        CliRun r = scan(tree);
        unsafe(r, link.resolve("evil.pt").toString());
        assertTrue(r.out().contains("link    " + link + " -> " + outside.toRealPath()), r::toString);
    }

    @Test
    void aSymlinkCycleIsListedAndDoesNotHideAnything() throws IOException {
        Path a = Files.createDirectories(tmp.resolve("a"));
        Files.createSymbolicLink(a.resolve("loop"), a);
        Files.createSymbolicLink(a.resolve("dangling"), tmp.resolve("nowhere"));
        Files.copy(EVIL, a.resolve("evil.pt"));
        CliRun r = scan(tmp);
        unsafe(r, a.resolve("evil.pt").toString());
        assertTrue(r.out().contains(a.resolve("loop") + ": symbolic link cycle"), r::toString);
        assertTrue(r.out().contains(a.resolve("dangling") + ": broken symbolic link"), r::toString);
    }

    @Test
    void everyArchiveKindIsOpened() throws IOException {
        for (String name : List.of("bundle.zip", "bundle.tar", "bundle.tar.gz", "bundle.tar.bz2", "bundle.tar.xz")) {
            Path dir = Files.createDirectories(tmp.resolve(name + ".d"));
            Path copy = Files.copy(ARCHIVES.resolve(name), dir.resolve(name));
            CliRun r = scan(dir);
            unsafe(r, copy + "!models/x.pt");
            assertTrue(r.out().contains(copy + "!README.md: not a model file: "), r::toString);
            // named on the command line too
            unsafe(scan(copy), copy + "!models/x.pt");
        }
        unsafe(scan(ARCHIVES.resolve("x.pt.gz")), ARCHIVES.resolve("x.pt.gz") + "!x.pt");
    }

    @Test
    void nestedArchivesAreOpened() {
        Path nested = ARCHIVES.resolve("nested.tar.gz");
        unsafe(scan(nested), nested + "!inner/inner.zip!models/x.pt");
        CliRun shallow = CliRun.of("scan", "--limit", "maxArchiveDepth=1", nested.toString());
        assertEquals(ExitCodes.ERROR, shallow.code(), shallow::toString);
        assertTrue(shallow.out().contains("PTS600") && shallow.out().contains("maxArchiveDepth"), shallow::toString);
    }

    @Test
    void aTorchCheckpointInAnArchiveIsJudgedByTheStrictReader() {
        CliRun r = scan(ARCHIVES.resolve("safe.tar.gz"));
        assertEquals(ExitCodes.OK, r.code(), r::toString);
        assertTrue(r.out().contains("SAFE    " + ARCHIVES.resolve("safe.tar.gz") + "!mlp.pt (TORCH_ZIP, 4 tensors"),
                r::toString);
    }

    @Test
    void anArchiveBombIsInvalidWithinTheLimits() {
        CliRun r = scan(ARCHIVES.resolve("bomb.tar.gz"));
        assertEquals(ExitCodes.ERROR, r.code(), r::toString);
        assertTrue(r.out().contains("INVALID " + ARCHIVES.resolve("bomb.tar.gz") + " (COMPRESSED)"), r::toString);
        assertTrue(r.out().contains("PTS600") && r.out().contains("maxArchiveRatio"), r::toString);
        CliRun small = CliRun.of("scan", "--limit", "maxArchiveBytes=10", ARCHIVES.resolve("bundle.tar.gz").toString());
        assertEquals(ExitCodes.ERROR, small.code(), small::toString);
        assertTrue(small.out().contains("maxArchiveBytes"), small::toString);
        CliRun members = CliRun.of("scan", "--limit", "maxArchiveMembers=1", ARCHIVES.resolve("bundle.zip").toString());
        assertTrue(members.out().contains("maxArchiveMembers"), members::toString);
    }

    /** Pickles the old sniffer dropped as "other files": torch.load runs every one of them. */
    @Test
    void picklesThatDoNotLookLikePicklesAreScanned() throws IOException {
        byte[] call = payload();
        byte[][] files = {
            // SHORT_BINBYTES with control and non-ASCII bytes, POP, then the payload
            concat(new byte[] {'C', 3, 1, (byte) 0xff, 0, '0'}, call),
            // a 10,000-byte string first, far past the first 4 KB
            concat(new byte[] {'X', 0x10, 0x27, 0, 0}, new byte[10_000], new byte[] {'0'}, call),
            // protocol 0, no PROTO, a non-ASCII first line
            concat("V\u00e9t\n0".getBytes(StandardCharsets.ISO_8859_1),
                    "cposix\nsystem\n(Vptsafe-differential-payload\ntR.".getBytes(StandardCharsets.US_ASCII)),
        };
        for (int i = 0; i < files.length; i++) {
            Path dir = Files.createDirectories(tmp.resolve("case" + i));
            Files.write(dir.resolve("weights.bin"), files[i]);
            Files.writeString(dir.resolve("README.md"), "# model\n");
            unsafe(scan(dir), dir.resolve("weights.bin").toString());
        }
    }

    @Test
    void nothingScannedHasItsOwnCode() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        CliRun r = scan(empty);
        assertEquals(ExitCodes.NOTHING_SCANNED, r.code(), r::toString);
        assertTrue(r.err().contains("no model file found"), r::toString);
        Files.writeString(empty.resolve("config.json"), "{}");
        Files.writeString(empty.resolve("This is a README"), "The model card.\n");
        assertEquals(ExitCodes.NOTHING_SCANNED, scan(empty).code());
        CliRun json = CliRun.of("scan", "--json", empty.toString());
        assertEquals(ExitCodes.NOTHING_SCANNED, json.code(), json::toString);
        assertTrue(json.out().contains("\"skipped\" : [") && json.out().contains("config.json"), json::toString);
    }

    @Test
    void everyCommandPrintsTheSameExitCodeTable() {
        for (String command : List.of("scan", "inspect", "convert", "verify", "limits")) {
            CliRun help = CliRun.of(command, "--help");
            assertEquals(ExitCodes.OK, help.code());
            String text = help.out().replaceAll("\\s+", " ");
            for (String line : ExitCodes.FOOTER) {
                String start = line.strip().replaceAll("\\s+", " ");
                assertTrue(text.contains(start.substring(0, Math.min(20, start.length()))), help::toString);
            }
        }
    }

    static byte[] payload() {
        byte[] s = "ptsafe-differential-payload".getBytes(StandardCharsets.US_ASCII);
        return concat("cposix\nsystem\nX".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) s.length, 0, 0, 0},
                s, new byte[] {(byte) 0x85, 'R', '.'});
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }
}
