package io.ptsafe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --limit NAME=VALUE} on the commands that read files, and {@code ptsafe limits}. */
class LimitOptionTest {
    /** torch.save of a tensor of 65 dimensions, one over the default maxRank (gen_limit_fixtures.py). */
    static final Path RANK65 = Path.of("src/test/resources/limits/rank65.pt");
    static final List<String> READERS = List.of("inspect", "convert", "verify", "scan");

    @TempDir
    Path dir;

    @Test
    void aFileOverALimitIsRefusedNamingTheSettingAndAcceptedWithItRaised() throws IOException {
        CliRun refused = CliRun.of("inspect", RANK65.toString());
        assertEquals(ExitCodes.ERROR, refused.code(), refused::toString);
        assertEquals(1, refused.err().lines().count(), refused::toString);
        assertTrue(refused.err().contains(RANK65.toString()) && refused.err().contains("(LoadOptions.maxRank)")
                && refused.err().contains("[TOO_MANY_DIMENSIONS]"), refused::toString);
        assertTrue(refused.err().stripTrailing().endsWith("; raise it with --limit maxRank=N"), refused::toString);

        CliRun raised = CliRun.of("inspect", "--limit", "maxRank=65", RANK65.toString());
        assertEquals(0, raised.code(), raised::toString);
        assertTrue(raised.out().contains("deep") && raised.out().contains("[2" + ", 1".repeat(64) + "]"),
                raised::toString);

        CliRun scanned = CliRun.of("scan", RANK65.toString());
        assertEquals(ExitCodes.ERROR, scanned.code(), scanned::toString);
        assertTrue(scanned.out().contains("LoadOptions.maxRank"), scanned::toString);
        CliRun scannedRaised = CliRun.of("scan", "--limit", "maxRank=65", RANK65.toString());
        assertEquals(0, scannedRaised.code(), scannedRaised::toString);
        assertTrue(scannedRaised.out().startsWith("SAFE"), scannedRaised::toString);
    }

    @Test
    void convertAndVerifyTakeTheRaisedLimitForTheSourceAndTheOutput() throws IOException {
        Path out = dir.resolve("rank65.safetensors");
        CliRun refused = CliRun.of("convert", RANK65.toString(), out.toString());
        assertEquals(ExitCodes.ERROR, refused.code(), refused::toString);
        assertTrue(refused.err().contains("raise it with --limit maxRank=N"), refused::toString);
        assertEquals(List.of(), EndToEndTest.files(dir));

        // the written file has 65 dimensions too: it is read back under the raised limit
        CliRun converted = CliRun.of("convert", "--limit", "maxRank=65", RANK65.toString(), out.toString());
        assertEquals(0, converted.code(), converted::toString);
        try (TensorFile f = SafeLoader.open(out, LoadOptions.builder().maxRank(65).build())) {
            assertEquals(65, f.tensor("deep").shape().length);
        }
        CliRun verifyRefused = CliRun.of("verify", RANK65.toString(), out.toString());
        assertEquals(ExitCodes.ERROR, verifyRefused.code(), verifyRefused::toString);
        assertTrue(verifyRefused.err().contains("--limit maxRank=N"), verifyRefused::toString);
        CliRun verified = CliRun.of("verify", "--limit", "maxRank=65", RANK65.toString(), out.toString());
        assertEquals(0, verified.code(), verified::toString);
        assertTrue(verified.out().startsWith("same: 2 tensors"), verified::toString);
    }

    @Test
    void aLoweredLimitRefusesARealCheckpoint() {
        Path tied = Fixtures.convert("tied.pt");
        CliRun r = CliRun.of("inspect", "--limit", "maxTensors=1", tied.toString());
        assertEquals(ExitCodes.ERROR, r.code(), r::toString);
        assertTrue(r.err().contains("(LoadOptions.maxTensors)") && r.err().contains("--limit maxTensors=N"),
                r::toString);
        assertEquals(0, CliRun.of("inspect", "--limit", "maxTensors=100", tied.toString()).code());
        CliRun scan = CliRun.of("scan", "--limit", "maxTensors=1", tied.toString());
        assertEquals(ExitCodes.ERROR, scan.code(), scan::toString);
        // repeated: the last one wins for a name, each name independent
        assertEquals(ExitCodes.ERROR, CliRun.of("inspect", "--limit", "maxTensors=100", "--limit", "maxTensors=1",
                tied.toString()).code());
    }

    @Test
    void aLimitLoweredAgainstTheSourceDoesNotRefuseTheOutput() throws IOException {
        // a .pt has no safetensors header; the one written is checked with the default limit
        Path out = dir.resolve("tied.safetensors");
        CliRun r = CliRun.of("convert", "--limit", "maxHeaderBytes=16", Fixtures.convert("tied.pt").toString(),
                out.toString());
        assertEquals(0, r.code(), r::toString);
        assertTrue(Fixtures.headerLength(out) > 16);
    }

    @Test
    void byteSettingsTakeSizes() {
        CliRun r = CliRun.of("limits", "--limit", "maxHeaderBytes=200MB", "--limit", "maxInflatedBytes=8GiB",
                "--limit", "maxTensors=5000000");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("maxHeaderBytes\\s+100000000\\s+200000000\\s+.+")),
                r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("maxInflatedBytes\\s+4294967296\\s+8589934592\\s+.+")),
                r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("maxTensors\\s+1000000\\s+5000000\\s+.+")), r::toString);
    }

    @Test
    void limitsListsEverySettingWithItsDefaultAndValue() {
        CliRun r = CliRun.of("limits");
        assertEquals(0, r.code(), r::toString);
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.getFirst().matches("SETTING\\s+DEFAULT\\s+VALUE\\s+WHAT IT BOUNDS"), r::toString);
        assertEquals(LoadOptions.limitNames().size() + 1, lines.size(), r::toString);
        int i = 1;
        for (String name : LoadOptions.limitNames()) {
            long d = LoadOptions.defaults().limit(name);
            String what = Limit.named(name).description();
            assertTrue(lines.get(i++).matches(name + "\\s+" + d + "\\s+" + d + "\\s+" + Pattern.quote(what)),
                    r::toString);
        }
        assertTrue(CliRun.of("--help").out().contains("limits"));
        assertEquals(0, CliRun.of("limits", "--help").code());
    }

    @Test
    void aBadLimitIsAUsageErrorNamingTheOptionAndTheLimits() {
        for (String command : READERS) {
            CliRun r = CliRun.of(command, "--limit", "maxFoo=3", "a", "b");
            assertEquals(ExitCodes.USAGE, r.code(), r::toString);
            assertTrue(r.err().contains("--limit") && r.err().contains("unknown limit 'maxFoo'")
                    && r.err().contains(String.join(", ", LoadOptions.limitNames())), r::toString);
        }
        String[][] bad = {
            {"maxTensors", "the limits are: "},
            {"maxTensors=", "'' is not a whole number"},
            {"maxTensors=ten", "'ten' is not a whole number"},
            {"maxTensors=1MB", "'1MB' is not a whole number"},
            {"maxTensors=-1", "'-1' is not a whole number"},
            {"maxTensors=0", "maxTensors must be between 1 and 2147483647, was 0"},
            {"maxTensors=2147483648", "maxTensors must be between 1 and 2147483647, was 2147483648"},
            {"maxTensors=99999999999999999999", "'99999999999999999999' is out of range"},
            {"maxPickleStringBytes=4GiB", "maxPickleStringBytes must be between 1 and 2147483647, was 4294967296"},
            {"maxHeaderBytes=5XB", "'5XB' is not a size"},
            {"=5", "unknown limit ''"},
        };
        for (String[] b : bad) {
            CliRun r = CliRun.of("limits", "--limit", b[0]);
            assertEquals(ExitCodes.USAGE, r.code(), r::toString);
            assertTrue(r.err().contains("--limit") && r.err().contains(b[1]), r::toString);
            assertFalse(r.out().contains("SETTING"), r::toString);
        }
    }
}
