package io.ptsafe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliBasicsTest {
    @TempDir
    Path dir;

    @Test
    void helpListsTheCommands() {
        CliRun r = CliRun.of("--help");
        assertEquals(0, r.code(), r::toString);
        for (String c : new String[] {"inspect", "convert", "verify", "scan"}) {
            assertTrue(r.out().contains(c), r::toString);
        }
        assertEquals(0, CliRun.of("convert", "--help").code());
        assertTrue(CliRun.of("--version").out().startsWith("ptsafe "));
    }

    /** The completion script the distribution ships, also printed by the command (for the executable jar). */
    @Test
    void completion() throws IOException {
        CliRun r = CliRun.of("completion");
        assertEquals(0, r.code(), r::toString);
        assertTrue(r.out().contains("complete -F _complete_ptsafe"), r::toString);
        for (String option : new String[] {"--fail-on", "--output", "--config", "--show-policy", "--limit"}) {
            assertTrue(r.out().contains(option), option);
        }
        DistributionDocs.main(new String[] {dir.toString(), "0.0.0"});
        assertEquals(r.out(), Files.readString(dir.resolve("ptsafe_completion")), "the same script as the distribution's");
    }

    @Test
    void usageErrorsExit4() {
        assertEquals(ExitCodes.USAGE, CliRun.of().code());
        assertEquals(ExitCodes.USAGE, CliRun.of("frobnicate").code());
        assertEquals(ExitCodes.USAGE, CliRun.of("inspect").code());
        assertEquals(ExitCodes.USAGE, CliRun.of("inspect", "--nope", "x").code());
        CliRun bad = CliRun.of("convert", "--max-shard-size", "5XB", "a", "b");
        assertEquals(ExitCodes.USAGE, bad.code());
        assertTrue(bad.err().contains("'5XB' is not a size"), bad::toString);
        assertEquals(ExitCodes.USAGE, CliRun.of("convert", "--select", ".x", "a", "b").code());
    }

    @Test
    void aRefusalIsOneLineNamingTheFileAndTheReason() throws IOException {
        Path junk = dir.resolve("junk.bin");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        CliRun r = CliRun.of("inspect", junk.toString());
        assertEquals(ExitCodes.ERROR, r.code(), r::toString);
        assertEquals("", r.out());
        assertEquals(1, r.err().lines().count(), r::toString);
        assertTrue(r.err().contains(junk.toString()) && r.err().contains("[UNKNOWN_FORMAT]"), r::toString);

        CliRun debug = CliRun.of("inspect", "--debug", junk.toString());
        assertEquals(ExitCodes.ERROR, debug.code());
        assertTrue(debug.err().lines().count() > 1 && debug.err().contains("\tat "), debug::toString);
    }

    @Test
    void aMissingFileIsRefused() {
        CliRun r = CliRun.of("convert", dir.resolve("none.pt").toString(), dir.resolve("out.safetensors").toString());
        assertEquals(ExitCodes.ERROR, r.code(), r::toString);
        assertTrue(r.err().contains("no such file [IO_ERROR]"), r::toString);
        assertFalse(Files.exists(dir.resolve("out.safetensors")));
    }
}
