package io.ptsafe.pickle.zip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The differential zip cases (make_zip_cases.py): files on which zip readers disagree, each proved
 * against torch 1.13. A "refuse" case must be refused with the reason below, on open and on scan; a
 * "load" case must load the tensor torch loads ({@code w = arange(4.)}) and scan SAFE.
 */
class ZipDifferentialTest {
    private static final Path DIR = Path.of("src/test/resources/differential/zip");

    /** The reason each refused case must give. */
    private static final Map<String, Reason> REASONS = Map.ofEntries(
            Map.entry("two-eocd-comment-short.pt", Reason.END_RECORD_NOT_AT_END),
            Map.entry("two-eocd-junk-after.pt", Reason.END_RECORD_NOT_AT_END),
            Map.entry("eocd-comment-past-end.pt", Reason.END_RECORD_NOT_AT_END),
            Map.entry("eocd-junk-after.pt", Reason.END_RECORD_NOT_AT_END),
            Map.entry("eocd-signature-in-comment.pt", Reason.END_RECORD_NOT_AT_END),
            Map.entry("cd-gap-before-end.pt", Reason.INVALID_ZIP),
            Map.entry("zip64-disagrees-cd.pt", Reason.ZIP64_MISMATCH),
            Map.entry("zip64-locator-not-adjacent.pt", Reason.ZIP64_MISMATCH),
            Map.entry("zip64-two-disks.pt", Reason.MULTI_DISK_ZIP),
            Map.entry("zip64-record-size.pt", Reason.ZIP64_MISMATCH),
            Map.entry("zip64-entries-disagree.pt", Reason.ZIP64_MISMATCH),
            Map.entry("zip64-extra-twice.pt", Reason.ZIP64_MISMATCH),
            Map.entry("extra-field-truncated.pt", Reason.INVALID_ZIP),
            Map.entry("eocd-disk-1-entries-0.pt", Reason.MULTI_DISK_ZIP),
            Map.entry("eocd-disk-1-of-1.pt", Reason.MULTI_DISK_ZIP),
            Map.entry("eocd-disk-2.pt", Reason.MULTI_DISK_ZIP),
            Map.entry("eocd-entries-on-disk.pt", Reason.MULTI_DISK_ZIP),
            Map.entry("entry-disk-3.pt", Reason.MULTI_DISK_ZIP),
            Map.entry("entry-disk-1.pt", Reason.MULTI_DISK_ZIP),
            Map.entry("flag-bit0.pt", Reason.ENCRYPTED_ENTRY),
            Map.entry("flag-bit5.pt", Reason.UNSUPPORTED_ZIP_FEATURE),
            Map.entry("flag-bit6.pt", Reason.ENCRYPTED_ENTRY),
            Map.entry("flag-bit13.pt", Reason.ENCRYPTED_ENTRY),
            Map.entry("flag-bit5-unread-entry.pt", Reason.UNSUPPORTED_ZIP_FEATURE),
            Map.entry("local-no-descriptor-zero-sizes.pt", Reason.LOCAL_HEADER_MISMATCH),
            Map.entry("local-method-deflated.pt", Reason.LOCAL_HEADER_MISMATCH),
            Map.entry("local-sizes-differ.pt", Reason.LOCAL_HEADER_MISMATCH),
            Map.entry("local-name-differs.pt", Reason.INVALID_ZIP),
            Map.entry("local-extra-hides-data.pt", Reason.FORBIDDEN_GLOBAL),
            Map.entry("name-upper-data-pkl.pt", Reason.FORBIDDEN_GLOBAL),
            Map.entry("name-case-duplicate.pt", Reason.DUPLICATE_ENTRY),
            Map.entry("name-root-case.pt", Reason.ENTRY_OUTSIDE_ROOT),
            Map.entry("name-root-dotdot.pt", Reason.ENTRY_OUTSIDE_ROOT),
            Map.entry("name-root-empty.pt", Reason.ENTRY_OUTSIDE_ROOT),
            Map.entry("name-no-folder.pt", Reason.ENTRY_OUTSIDE_ROOT),
            Map.entry("name-first-entry-other-root.pt", Reason.ENTRY_OUTSIDE_ROOT),
            Map.entry("version-missing.pt", Reason.INVALID_VERSION_RECORD),
            Map.entry("version-empty.pt", Reason.INVALID_VERSION_RECORD),
            Map.entry("version-text.pt", Reason.INVALID_VERSION_RECORD),
            Map.entry("version-negative.pt", Reason.INVALID_VERSION_RECORD),
            Map.entry("version-zero.pt", Reason.INVALID_VERSION_RECORD),
            Map.entry("version-eleven.pt", Reason.INVALID_VERSION_RECORD),
            Map.entry("version-huge.pt", Reason.INVALID_VERSION_RECORD),
            Map.entry("version-trailing-junk.pt", Reason.INVALID_VERSION_RECORD),
            Map.entry("version-leading-space.pt", Reason.INVALID_VERSION_RECORD),
            Map.entry("version-plus.pt", Reason.INVALID_VERSION_RECORD),
            Map.entry("dot-data-version-bad.pt", Reason.INVALID_VERSION_RECORD),
            Map.entry("dot-data-version-only.pt", Reason.INVALID_VERSION_RECORD),
            Map.entry("dot-data-version-hides-bad.pt", Reason.INVALID_VERSION_RECORD),
            Map.entry("byteorder-bogus.pt", Reason.INVALID_BYTE_ORDER),
            Map.entry("deflated-zero-compressed.pt", Reason.INVALID_ZIP),
            Map.entry("cd-bytes-after-records.pt", Reason.INVALID_ZIP),
            Map.entry("empty-archive.pt", Reason.UNKNOWN_FORMAT),
            Map.entry("zip64-locator-to-nothing.pt", Reason.ZIP64_MISMATCH),
            Map.entry("eocd-saturated-no-zip64.pt", Reason.ZIP64_MISMATCH),
            Map.entry("stored-sizes-differ.pt", Reason.INVALID_ZIP),
            Map.entry("method-bzip2.pt", Reason.UNSUPPORTED_COMPRESSION));

    record Case(String file, String cls, String what, boolean refuse) {
        Path path() {
            return DIR.resolve(file);
        }
    }

    static List<Case> cases() throws Exception {
        List<Case> out = new ArrayList<>();
        for (Object o : Json.arr(Json.read(DIR.resolve("cases.json")))) {
            Map<String, Object> m = Json.obj(o);
            String ptsafe = (String) m.get("ptsafe");
            assertTrue(ptsafe.equals("refuse") || ptsafe.equals("load"), ptsafe);
            out.add(new Case((String) m.get("file"), (String) m.get("class"), (String) m.get("what"),
                    ptsafe.equals("refuse")));
        }
        return out;
    }

    @Test
    void everyRefusedCaseHasItsReasonAndNoOther() throws Exception {
        Set<String> refused = new HashSet<>();
        for (Case c : cases()) {
            if (c.refuse()) {
                refused.add(c.file());
            }
        }
        assertEquals(REASONS.keySet(), refused);
    }

    @TestFactory
    Stream<DynamicTest> openAndScanEveryCase() throws Exception {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.file() + (c.refuse() ? " refused" : " loads"),
                () -> check(c)));
    }

    private static void check(Case c) throws Exception {
        ScanReport report = SafeLoader.scan(c.path(), LoadOptions.defaults());
        if (c.refuse()) {
            Reason reason = REASONS.get(c.file());
            PtsafeException e = assertThrows(PtsafeException.class, () -> SafeLoader.open(c.path()).close(),
                    c.what());
            assertEquals(reason, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains(c.path().toString()), e.getMessage());
            assertNotEquals(ScanReport.Verdict.SAFE, report.verdict(), c.what());
            // The payload cases: the scan names the global's family, the load refuses it.
            ScanRule rule = reason == Reason.FORBIDDEN_GLOBAL ? ScanRule.DANGEROUS_GLOBAL : ScanRule.of(reason);
            assertTrue(report.findings().stream().anyMatch(f -> f.rule() == rule),
                    c.file() + ": no " + rule + " finding in " + report.findings());
            if (rule == ScanRule.DANGEROUS_GLOBAL) {
                assertEquals(ScanReport.Verdict.UNSAFE, report.verdict());
            }
        } else {
            try (TensorFile f = SafeLoader.open(c.path())) {
                assertEquals(1, f.tensors().size());
                assertArrayEquals(new float[] {0f, 1f, 2f, 3f}, f.tensor("w").toFloatArray(), c.what());
            }
            assertEquals(ScanReport.Verdict.SAFE, report.verdict(), c.file() + ": " + report.findings());
        }
    }

    /** A comment of the largest size (65,535 bytes) still ends the file: the record is found and loads. */
    @Test
    void longestCommentIsFound(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        byte[] zip = java.nio.file.Files.readAllBytes(DIR.resolve("control-torch-save.pt"));
        byte[] big = java.util.Arrays.copyOf(zip, zip.length + 0xffff);
        java.util.Arrays.fill(big, zip.length, big.length, (byte) 'c');
        big[zip.length - 2] = (byte) 0xff;
        big[zip.length - 1] = (byte) 0xff;
        Path p = java.nio.file.Files.write(dir.resolve("comment.pt"), big);
        try (TensorFile f = SafeLoader.open(p)) {
            assertArrayEquals(new float[] {0f, 1f, 2f, 3f}, f.tensor("w").toFloatArray());
        }
        // One byte more: the record is more than 65,557 bytes from the end; miniz's window
        // (mz_zip_reader_locate_header_sig) may still reach it, but its comment no longer ends the file.
        byte[] longer = java.util.Arrays.copyOf(big, big.length + 1);
        PtsafeException e = assertThrows(PtsafeException.class,
                () -> SafeLoader.open(java.nio.file.Files.write(dir.resolve("longer.pt"), longer)).close());
        assertEquals(Reason.END_RECORD_NOT_AT_END, e.reason(), e.getMessage());
    }

    /** The proven bypass: the end record torch reads is the last, whatever its comment length says. */
    @Test
    void theLastEndRecordIsTheOneChosen() throws Exception {
        PtsafeException e = assertThrows(PtsafeException.class,
                () -> SafeLoader.open(DIR.resolve("two-eocd-comment-short.pt")).close());
        assertTrue(e.getMessage().contains("the comment runs past the end"), e.getMessage());
        e = assertThrows(PtsafeException.class, () -> SafeLoader.open(DIR.resolve("eocd-junk-after.pt")).close());
        assertTrue(e.getMessage().contains("5 bytes after it"), e.getMessage());
    }
}
