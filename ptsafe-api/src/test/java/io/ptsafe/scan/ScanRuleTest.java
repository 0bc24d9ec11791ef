package io.ptsafe.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import io.ptsafe.Reason;

class ScanRuleTest {

    @Test
    void idsAndNamesAreUniqueAndWellFormed() {
        Set<String> ids = new HashSet<>();
        Set<String> slugs = new HashSet<>();
        for (ScanRule r : ScanRule.values()) {
            assertTrue(r.id().matches("PTS[0-9]{3}"), r.id());
            assertTrue(ids.add(r.id()), "id used twice: " + r.id());
            assertTrue(slugs.add(r.slug()), r.slug());
            assertTrue(r.slug().matches("[a-z0-9]+(-[a-z0-9]+)*"), r.slug());
            assertFalse(r.title().isBlank(), r + " has no title");
            assertTrue(r.help().length() > r.title().length() / 2, r + " has no help");
        }
    }

    /** Every Reason names a rule; only reasons no file can cause (writing, verifying) name OTHER_REFUSAL. */
    @Test
    void everyReasonAFileCanCauseHasItsOwnRule() {
        Set<Reason> other = EnumSet.of(Reason.CANNOT_WRITE, Reason.VERIFY_MISMATCH);
        for (Reason reason : Reason.values()) {
            assertEquals(other.contains(reason), ScanRule.of(reason) == ScanRule.OTHER_REFUSAL, reason.toString());
        }
    }

    /** Reason names its rule in its constructor; ScanRule.of is that link, never a default. */
    @Test
    void everyReasonNamesItsRule() {
        for (Reason reason : Reason.values()) {
            assertNotNull(reason.rule(), reason.toString());
            assertSame(reason.rule(), ScanRule.of(reason), reason.toString());
        }
        assertSame(ScanRule.UNKNOWN_FORMAT, Reason.MISSING_PROVIDER.rule());
        assertTrue(ScanRule.UNKNOWN_FORMAT.help().contains("provider module"));
    }

    /** The refusals of what would run code: pickle names, opcodes and calls, and numpy's pickled object arrays. */
    @Test
    void codeExecutionRulesMakeFilesUnsafe() {
        EnumSet<Reason> code = EnumSet.of(Reason.FORBIDDEN_GLOBAL, Reason.FORBIDDEN_OPCODE, Reason.FORBIDDEN_CALL,
                Reason.PICKLED_ARRAY);
        for (Reason reason : code) {
            assertEquals(ScanReport.Verdict.UNSAFE, ScanRule.of(reason).effect());
        }
        assertEquals(ScanReport.Verdict.UNSAFE, ScanRule.DANGEROUS_GLOBAL.effect());
        for (Reason reason : Reason.values()) {
            if (!code.contains(reason)) {
                assertEquals(ScanReport.Verdict.INVALID, ScanRule.of(reason).effect(), reason.toString());
            }
        }
    }

    @Test
    void rulesWithoutVerdictAreNotErrors() {
        for (ScanRule r : ScanRule.values()) {
            assertEquals(r.effect() == ScanReport.Verdict.SAFE, r.defaultSeverity() != ScanFinding.Severity.ERROR,
                    r.toString());
        }
    }

    /** docs/scanning.md lists every rule with its id, name and verdict. */
    @Test
    void theDocumentedCatalogIsTheCatalog() throws java.io.IOException {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("..", "docs", "scanning.md"));
        for (ScanRule r : ScanRule.values()) {
            assertTrue(doc.contains("| " + r.id() + " | " + r.slug() + " | " + r.effect() + " | " + r.defaultSeverity()
                    + " | " + r.title() + " |"), r + " is not in docs/scanning.md as it is in the catalog");
        }
    }
}
