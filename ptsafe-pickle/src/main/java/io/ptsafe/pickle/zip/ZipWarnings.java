package io.ptsafe.pickle.zip;

import io.ptsafe.LoadOptions;
import io.ptsafe.LoadOptions.CrcPolicy;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanFinding.Severity;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * What a scan of a zip reports beyond loading's refusals ({@link TorchZipReader#scan}): what loading
 * ignores but a reviewer should see (records nothing references, entries torch never reads, a CRC
 * mismatch the CRC policy does not enforce) is a warning.
 *
 * <p>CRC-32: the records the scan reads anyway (data.pkl, byteorder) are checked whenever their CRC
 * is present, as warnings under {@link CrcPolicy#SKIP}; under CHECK_IF_PRESENT or REQUIRE every STORED
 * record is checked (which reads all tensor data once), as errors for the records loading reads.
 */
final class ZipWarnings {
    /** Names of the torch.save layout besides data.pkl and data/KEY, relative to the root, lower case. */
    private static final Set<String> LAYOUT = Set.of("version", ".format_version", ".storage_alignment", "byteorder",
            ".data/version", ".data/serialization_id");

    private final Path path;
    private final LoadOptions options;
    private final ScanReport.Builder report;
    private final ZipArchive zip;

    ZipWarnings(Path path, LoadOptions options, ScanReport.Builder report, ZipArchive zip) {
        this.path = path;
        this.options = options;
        this.report = report;
        this.zip = zip;
    }

    /** Records no storage references, and entries outside torch's layout: torch.load never reads them. */
    void unreadEntries(Set<ZipEntryInfo> referenced) {
        for (Map.Entry<String, ZipEntryInfo> r : zip.records().entrySet()) {
            String rel = r.getKey();
            ZipEntryInfo e = r.getValue();
            Location where = Location.entry(e.name(), e.dataOffset());
            if (rel.startsWith("data/") && rel.indexOf('/', 5) < 0) {
                if (!referenced.contains(e)) {
                    report.add(ScanRule.UNREFERENCED_RECORD, where, "record '" + ZipArchive.clip(e.name()) + "' ("
                            + e.size() + " bytes) is referenced by no storage in data.pkl");
                }
            } else if (!rel.equals("data.pkl") && !LAYOUT.contains(rel)) {
                report.add(ScanRule.UNEXPECTED_ENTRY, where, "entry '" + ZipArchive.clip(e.name()) + "' (" + e.size()
                        + " bytes) is not part of the torch.save layout; torch.load never reads it");
            }
        }
    }

    /**
     * CRC-32 of STORED records (DEFLATED ones are checked whenever they are inflated). Under SKIP only
     * the records read anyway, as warnings; otherwise all of them, as errors for those loading reads
     * (data.pkl, byteorder, the version records, referenced storages) and warnings for the rest.
     */
    void checkCrcs(MemorySegment file, Arena arena, Set<ZipEntryInfo> referenced) {
        CrcPolicy policy = options.crcPolicy();
        ZipEntryInfo pkl = zip.record("data.pkl");
        ZipEntryInfo order = zip.record("byteorder");
        // Loading reads the version records too (TorchZipReader.checkVersion), so their CRCs count as it does.
        ZipEntryInfo version = zip.record("version");
        ZipEntryInfo dataVersion = zip.record(".data/version");
        Records always = new Records(path, file, arena, options.toBuilder().crcPolicy(CrcPolicy.CHECK_IF_PRESENT).build());
        Records enforced = new Records(path, file, arena, options);
        for (ZipEntryInfo e : zip.records().values()) {
            if (e.method() != ZipEntryInfo.STORED) {
                continue;
            }
            boolean readAnyway = e == pkl || e == order || e == version || e == dataVersion;
            if (policy == CrcPolicy.SKIP && !readAnyway) {
                continue;
            }
            try {
                (policy == CrcPolicy.SKIP ? always : enforced).data(e);
            } catch (PtsafeException x) {
                ScanFinding f = ScanFinding.of(x, Location.entry(e.name(), e.dataOffset()));
                boolean loadingChecks = policy != CrcPolicy.SKIP && (readAnyway || referenced.contains(e));
                if (x.reason() == Reason.CRC_MISMATCH && !loadingChecks) {
                    f = new ScanFinding(f.rule(), Severity.WARNING, f.location(), f.message() + (policy == CrcPolicy.SKIP
                            ? " (not enforced: CrcPolicy.SKIP)" : " (a record loading never reads)"));
                }
                report.add(f);
            }
        }
    }
}
