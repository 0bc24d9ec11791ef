package io.ptsafe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ptsafe scan}: verdicts, exit codes, folders, output formats. */
class ScanCommandTest {
    static final Path MALICIOUS = Path.of("../ptsafe-pickle/src/test/resources/torch/malicious");
    static final Path SAFE = Path.of("../samples/mlp.pt");
    static final Path SAFETENSORS = Path.of("../ptsafe-safetensors/src/test/resources/safetensors/all_dtypes.safetensors");

    @TempDir
    Path tmp;

    @Test
    void safeFilesExitZero() {
        CliRun r = CliRun.of("scan", SAFE.toString(), SAFETENSORS.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("SAFE    " + SAFE + " (TORCH_ZIP, 4 tensors"), r::toString);
        assertTrue(r.out().endsWith("2 files: 2 safe, 0 unsafe, 0 invalid\n"), r::toString);
    }

    @Test
    void unsafeWinsOverInvalid() {
        CliRun r = CliRun.of("scan", SAFE.toString(), MALICIOUS.resolve("zip_truncated_pickle.pt").toString(),
                MALICIOUS.resolve("zip_os_system_reduce.pt").toString());
        assertEquals(1, r.code(), r::toString);
        assertTrue(r.out().contains("PTS100 ERROR   zip_os_system_reduce/data.pkl @"), r::toString);
        assertTrue(r.out().contains("posix.system"), r::toString);
        assertEquals(2, CliRun.of("scan", SAFE.toString(), MALICIOUS.resolve("zip_truncated_pickle.pt").toString()).code());
    }

    /** A folder is walked, hidden folders too; config files are listed as not model files, with the reason. */
    @Test
    void foldersAreWalked() throws IOException {
        Files.copy(SAFE, tmp.resolve("model.pt"));
        Files.writeString(tmp.resolve("config.json"), "{\"hidden_size\": 8}");
        Files.createDirectories(tmp.resolve(".git"));
        Files.copy(MALICIOUS.resolve("zip_builtins_eval.pt"), tmp.resolve(".git/evil.pt"));
        Files.createDirectories(tmp.resolve("sub"));
        Files.copy(MALICIOUS.resolve("proto0/pytorch_model.bin"), tmp.resolve("sub/pytorch_model.bin"));
        CliRun r = CliRun.of("scan", tmp.toString());
        assertEquals(ExitCodes.ISSUES, r.code(), r::toString);
        assertTrue(r.out().contains("UNSAFE  " + tmp.resolve("sub/pytorch_model.bin") + " (PICKLE"), r::toString);
        assertTrue(r.out().contains("UNSAFE  " + tmp.resolve(".git/evil.pt")), r::toString);
        assertTrue(r.out().contains("-       " + tmp.resolve("config.json") + ": not a model file: "), r::toString);
        assertTrue(r.out().endsWith("3 files: 1 safe, 2 unsafe, 0 invalid; 1 other file not scanned, listed with the "
                + "reason\n"), r::toString);
        Files.delete(tmp.resolve("sub/pytorch_model.bin"));
        Files.delete(tmp.resolve(".git/evil.pt"));
        assertEquals(ExitCodes.OK, CliRun.of("scan", tmp.toString()).code());
        // Named on the command line, an unknown file counts.
        assertEquals(ExitCodes.ERROR, CliRun.of("scan", tmp.resolve("config.json").toString()).code());
    }

    @Test
    void jsonAndSarif() {
        CliRun json = CliRun.of("scan", "--json", SAFE.toString(), MALICIOUS.resolve("zip_inst.pt").toString());
        assertEquals(1, json.code(), json::toString);
        assertTrue(json.out().startsWith("{"), json::toString);
        assertTrue(json.out().contains("\"format\" : \"ptsafe-scan-report\""), json::toString);
        assertTrue(json.out().contains("\"ruleId\" : \"PTS102\""), json::toString);
        CliRun sarif = CliRun.of("scan", "--sarif", MALICIOUS.resolve("legacy_tar_exploit.pt").toString());
        assertEquals(2, sarif.code(), sarif::toString);
        assertTrue(sarif.out().contains("\"version\" : \"2.1.0\""), sarif::toString);
        assertTrue(sarif.out().contains("\"ruleId\" : \"PTS201\""), sarif::toString);
    }

    @Test
    void options() {
        CliRun both = CliRun.of("scan", "--json", "--sarif", SAFE.toString());
        assertEquals(ExitCodes.USAGE, both.code());
        assertTrue(both.err().contains("cannot be combined"), both::toString);
        CliRun evil = CliRun.of("scan", "--inert", "os.system", SAFE.toString());
        assertEquals(ExitCodes.USAGE, evil.code());
        assertTrue(evil.err().contains("known-dangerous family 'os'"), evil::toString);
        assertEquals(0, CliRun.of("scan", "--crc", MALICIOUS.resolve("zip_bad_crc_record.pt").toString().replace(
                "zip_bad_crc_record.pt", "../real/linear.pt")).code());
        assertEquals(2, CliRun.of("scan", "--crc", MALICIOUS.resolve("zip_bad_crc_record.pt").toString()).code());
        assertEquals(0, CliRun.of("scan", MALICIOUS.resolve("zip_bad_crc_record.pt").toString()).code());
        Path inert = Path.of("../ptsafe-pickle/src/test/resources/torch/inert/namespace_numpy.pt");
        assertEquals(1, CliRun.of("scan", inert.toString()).code());
        assertEquals(0, CliRun.of("scan", "--inert", "argparse.Namespace", "--inert", "numpy.core.multiarray.scalar",
                "--inert", "numpy.dtype", inert.toString()).code());
        assertEquals(ExitCodes.USAGE, CliRun.of("scan").code(), "a path is required");
    }
}
