package io.ptsafe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ptsafe.scan.FileDigest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What CI gates and services use: standard input, --output, --fail-on, digests in the reports. */
class ScanGateTest {
    static final Path MALICIOUS = ScanCommandTest.MALICIOUS;
    static final Path SAFE = ScanCommandTest.SAFE;
    /** UNSAFE only through a global outside the allowlist (argparse.Namespace, numpy names): PTS101. */
    static final Path UNKNOWN_GLOBAL = Path.of("../ptsafe-pickle/src/test/resources/torch/inert/namespace_numpy.pt");
    static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path tmp;

    static CliRun withStdin(InputStream in, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true), false, in).execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    static List<Path> spools() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("ptsafe-stdin-")).toList();
        }
    }

    @Test
    void standardInput() throws IOException {
        List<Path> before = spools();
        byte[] evil = Files.readAllBytes(MALICIOUS.resolve("zip_os_system_reduce.pt"));
        for (String dash : List.of("-", "/dev/stdin")) {
            CliRun r = withStdin(new ByteArrayInputStream(evil), "scan", dash);
            assertEquals(ExitCodes.ISSUES, r.code(), r::toString);
            assertTrue(r.out().startsWith("UNSAFE  <stdin> (TORCH_ZIP"), r::toString);
            assertTrue(r.out().contains("posix.system"), r::toString);
            assertFalse(r.out().contains("ptsafe-stdin-"), "the temporary file's name never shows: " + r);
        }
        byte[] safe = Files.readAllBytes(SAFE);
        CliRun json = withStdin(new ByteArrayInputStream(safe), "scan", "--json", "-", SAFE.toString());
        assertEquals(ExitCodes.OK, json.code(), json::toString);
        JsonNode doc = MAPPER.readTree(json.out());
        assertEquals("<stdin>", doc.at("/reports/0/path").asText());
        FileDigest d = FileDigest.of(SAFE);
        assertEquals(d.sha256(), doc.at("/reports/0/sha256").asText());
        assertEquals(d.size(), doc.at("/reports/0/size").asLong());
        assertEquals(d.sha256(), doc.at("/reports/1/sha256").asText(), "the same bytes from a file");
        // an archive on standard input: its members are <stdin>!member
        CliRun tar = withStdin(Files.newInputStream(Path.of("src/test/resources/archives/bundle.tar.gz")), "scan", "-");
        assertEquals(ExitCodes.ISSUES, tar.code(), tar::toString);
        assertTrue(tar.out().contains("UNSAFE  <stdin>!models/x.pt ("), tar::toString);
        assertTrue(tar.out().contains("<stdin>!README.md: not a model file: "), tar::toString);
        assertFalse(tar.out().contains("ptsafe-stdin-"), tar::toString);
        assertEquals(before, spools(), "no temporary file left");
    }

    @Test
    void standardInputOverTheCapIsRefusedAndLeavesNothing() throws IOException {
        List<Path> before = spools();
        CliRun r = withStdin(new ByteArrayInputStream(new byte[5000]), "scan", "--limit", "maxArchiveMemberBytes=4096", "-");
        assertEquals(ExitCodes.ERROR, r.code(), r::toString);
        assertTrue(r.err().contains("<stdin>: bytes read from standard input: "), r::toString);
        assertTrue(r.err().contains("raise it with --limit maxArchiveMemberBytes=N"), r::toString);
        assertEquals(before, spools());
        assertEquals(ExitCodes.USAGE, withStdin(InputStream.nullInputStream(), "scan", "-", "/dev/stdin").code());
    }

    @Test
    void standardInputIsNotReadPastTheCap() throws IOException {
        List<Path> before = spools();
        long[] read = {0};
        InputStream counted = new java.io.FilterInputStream(new ByteArrayInputStream(new byte[1 << 20])) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                read[0] += Math.max(n, 0);
                return n;
            }
        };
        io.ptsafe.LimitExceededException e = org.junit.jupiter.api.Assertions.assertThrows(
                io.ptsafe.LimitExceededException.class, () -> StdinSpool.of(counted, 4096));
        assertEquals(io.ptsafe.Limit.MAX_ARCHIVE_MEMBER_BYTES, e.limitKind());
        assertEquals(4096, e.limit());
        assertEquals(4097, read[0], "one byte past the cap, no more");
        assertEquals(before, spools());
    }

    @Test
    void spoolIsOwnerOnly() throws IOException {
        try (StdinSpool s = StdinSpool.of(new ByteArrayInputStream(new byte[3]), 10)) {
            assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
                    Files.getPosixFilePermissions(s.file()));
            assertEquals(3, s.digest().size());
        }
    }

    @Test
    void outputFileIsWrittenAtomicallyInEveryFormat() throws IOException {
        Path report = tmp.resolve("out/report");
        Files.createDirectories(report.getParent());
        Files.writeString(report, "an older report");
        for (String format : List.of("--json", "--sarif", "--debug")) {
            CliRun r = CliRun.of("scan", format, "--output", report.toString(), SAFE.toString(),
                    MALICIOUS.resolve("zip_inst.pt").toString());
            assertEquals(ExitCodes.ISSUES, r.code(), r::toString);
            assertEquals("", r.out(), "the report goes to the file only");
            assertTrue(r.err().contains("2 files: 1 safe, 1 unsafe, 0 invalid; report written to " + report), r::toString);
            String written = Files.readString(report);
            switch (format) {
                case "--json" -> assertEquals("ptsafe-scan-report", MAPPER.readTree(written).at("/format").asText());
                case "--sarif" -> assertEquals("2.1.0", MAPPER.readTree(written).at("/version").asText());
                default -> assertTrue(written.contains("UNSAFE  " + MALICIOUS.resolve("zip_inst.pt")), written);
            }
            try (Stream<Path> s = Files.list(report.getParent())) {
                assertEquals(List.of(report), s.toList(), "no temporary file left beside it");
            }
        }
        CliRun folder = CliRun.of("scan", "-o", tmp.resolve("out").toString(), SAFE.toString());
        assertEquals(ExitCodes.ERROR, folder.code(), folder::toString);
        assertTrue(folder.err().contains("is a folder"), folder::toString);
        CliRun missing = CliRun.of("scan", "-o", tmp.resolve("nowhere/r.txt").toString(), SAFE.toString());
        assertEquals(ExitCodes.ERROR, missing.code(), missing::toString);
        assertTrue(missing.err().contains("r.txt: the folder " + tmp.resolve("nowhere").toAbsolutePath() + " does not exist"),
                missing::toString);
    }

    @Test
    void failOnDecidesTheExitCode() {
        assertEquals(ExitCodes.ISSUES, CliRun.of("scan", UNKNOWN_GLOBAL.toString()).code());
        CliRun lenient = CliRun.of("scan", "--fail-on", "unsafe,invalid", UNKNOWN_GLOBAL.toString());
        assertEquals(ExitCodes.OK, lenient.code(), lenient::toString);
        assertTrue(lenient.out().startsWith("UNSAFE  "), "still reported UNSAFE: " + lenient);
        assertTrue(lenient.err().contains("found unknown-global, which does not fail the scan (--fail-on unsafe,invalid)"),
                lenient::toString);
        String evil = MALICIOUS.resolve("zip_os_system_reduce.pt").toString();
        assertEquals(ExitCodes.ISSUES, CliRun.of("scan", "--fail-on", "unsafe", "--fail-on", "invalid", evil).code());
        assertEquals(ExitCodes.OK, CliRun.of("scan", "--fail-on", "unknown-global", evil).code());
        assertEquals(ExitCodes.OK, CliRun.of("scan", "--fail-on", "none", evil).code());
        String truncated = MALICIOUS.resolve("zip_truncated_pickle.pt").toString();
        assertEquals(ExitCodes.ERROR, CliRun.of("scan", truncated).code());
        assertEquals(ExitCodes.OK, CliRun.of("scan", "--fail-on", "unsafe", truncated).code());
        assertEquals(ExitCodes.ERROR, CliRun.of("scan", "--fail-on", "invalid", evil, truncated).code());
        // entries torch.load does not read are warnings: SAFE, failing only under 'warning'
        String extra = "../ptsafe-pickle/src/test/resources/torch/scan/extra_entries.pt";
        assertEquals(ExitCodes.OK, CliRun.of("scan", extra).code());
        assertEquals(ExitCodes.ISSUES, CliRun.of("scan", "--fail-on", "warning", extra).code());
        assertEquals(ExitCodes.OK, CliRun.of("scan", "--fail-on", "warning", SAFE.toString()).code());
        CliRun bad = CliRun.of("scan", "--fail-on", "unsafe,scary", evil);
        assertEquals(ExitCodes.USAGE, bad.code());
        assertTrue(bad.err().contains("unknown fail-on value 'scary'; the values are: unsafe, unknown-global, invalid, "
                + "warning, none"), bad::toString);
        assertEquals(ExitCodes.USAGE, CliRun.of("scan", "--fail-on", "none,unsafe", evil).code());
    }

    @Test
    void reportsCarryVersionSizeAndHash() throws IOException {
        CliRun sarif = CliRun.of("scan", "--sarif", SAFE.toString(), MALICIOUS.resolve("zip_inst.pt").toString());
        JsonNode log = MAPPER.readTree(sarif.out());
        FileDigest d = FileDigest.of(SAFE);
        assertEquals(d.sha256(), log.at("/runs/0/artifacts/0/hashes/sha-256").asText());
        assertEquals(d.size(), log.at("/runs/0/artifacts/0/length").asLong());
        assertTrue(log.at("/runs/0/results/0/partialFingerprints").size() == 1, sarif::toString);
        assertFalse(log.at("/runs/0/tool/driver/version").asText().isEmpty(), "the tool's version");
        CliRun json = CliRun.of("scan", "--json", SAFE.toString());
        assertFalse(MAPPER.readTree(json.out()).at("/tool/version").asText().isEmpty(), json::toString);
    }
}
