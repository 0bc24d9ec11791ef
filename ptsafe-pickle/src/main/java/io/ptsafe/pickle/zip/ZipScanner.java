package io.ptsafe.pickle.zip;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.LoadOptions.CrcPolicy;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanFinding.Severity;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.scan.PickleScan;
import io.ptsafe.pickle.torch.StorageRef;
import io.ptsafe.pickle.torch.TensorTree;
import io.ptsafe.pickle.torch.TorchPickle;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.MappedFiles;
import io.ptsafe.spi.ScanSupport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Scans a zip file through the code that loads it: {@link ZipArchive} for the container,
 * {@link TorchZipReader#archive} for the torch layout, {@link TorchPickle} for data.pkl (in scan
 * mode: every global reported, decoding going on past forbidden ones) and {@link TensorTree} for
 * storages and views. What loading would refuse is an error finding; what loading ignores but a
 * reviewer should see (records nothing references, entries torch never reads, a CRC mismatch the
 * CRC policy does not enforce) is a warning.
 *
 * <p>CRC-32: the records the scan reads anyway (data.pkl, byteorder) are checked whenever their CRC
 * is present, as warnings under {@link CrcPolicy#SKIP}; under CHECK_IF_PRESENT or REQUIRE every STORED
 * record is checked (which reads all tensor data once), as errors for the records loading reads.
 */
public final class ZipScanner {
    /** Names of the torch.save layout besides data.pkl and data/KEY, relative to the root, lower case. */
    private static final Set<String> LAYOUT = Set.of("version", ".format_version", ".storage_alignment", "byteorder",
            ".data/version", ".data/serialization_id");

    private final Path path;
    private final LoadOptions options;
    private final ScanReport.Builder report;

    private ZipScanner(Path path, LoadOptions options) {
        this.path = path;
        this.options = options;
        this.report = ScanReport.builder(path, ContainerKind.ZIP);
    }

    /** Scans a file whose first bytes are a zip local header. */
    public static ScanReport scan(FileProbe probe, LoadOptions options) {
        ZipScanner s = new ZipScanner(probe.path(), options);
        String first = firstName(probe.head());
        if (first != null && !first.contains("/") && first.endsWith(".npy")) {
            s.report.container(ContainerKind.NUMPY).add(ScanRule.UNSUPPORTED_FORMAT, Location.FILE,
                    "a numpy .npz archive (first entry '" + ZipArchive.clip(first) + "'): ptsafe loads safetensors "
                    + "and torch checkpoints, not numpy arrays");
            return s.report.build();
        }
        try (Arena arena = Arena.ofConfined()) {
            s.scan(MappedFiles.map(probe.path(), arena), arena);
        } catch (PtsafeException e) {
            ScanSupport.refused(s.report, e, Location.FILE);
        } catch (InternalError e) {
            // A mapped page that vanished: the file was truncated or replaced while being read.
            s.report.add(ScanRule.IO_ERROR, Location.FILE, "the file changed or was truncated while it was scanned ("
                    + e.getMessage() + ")").incomplete();
        }
        return s.report.build();
    }

    private void scan(MemorySegment file, Arena arena) throws PtsafeException {
        ZipArchive zip = ZipArchive.read(path, file, options);
        if (holdsCode(zip)) {
            return;
        }
        // Loading's own path, with CRCs left to checkCrcs so that a bad CRC does not hide the payload.
        LoadOptions noCrc = options.toBuilder().crcPolicy(CrcPolicy.SKIP).build();
        TorchZipReader.Archive archive;
        try {
            archive = TorchZipReader.archive(zip, path, file, arena, noCrc);
        } catch (PtsafeException e) {
            ScanSupport.refused(report, e, Location.FILE);
            checkCrcs(zip, file, arena, Collections.emptySet());
            return;
        }
        report.container(ContainerKind.TORCH_ZIP);
        try {
            // torch refuses the file before reading data.pkl; the scan still reports what data.pkl holds.
            TorchZipReader.checkVersion(zip, path, file, arena, noCrc);
        } catch (PtsafeException e) {
            ZipEntryInfo v = zip.record("version");
            report.add(ScanFinding.of(e, v == null ? Location.FILE : Location.entry(v.name(), v.dataOffset())));
        }
        ZipEntryInfo pkl = zip.record("data.pkl");
        long start = pkl.method() == ZipEntryInfo.STORED ? pkl.dataOffset() : -1;
        // Offsets in an inflated data.pkl are not the file's.
        PickleInput pickle = new PickleInput(archive.pickle().bytes(), path, pkl.name(), start);
        Optional<TorchPickle.Decoded> decoded = PickleScan.scan(pickle, options, false, false, report);
        Set<ZipEntryInfo> referenced = Collections.newSetFromMap(new IdentityHashMap<>());
        if (decoded.isPresent()) {
            for (StorageRef ref : decoded.get().storages().values()) {
                ZipEntryInfo e = zip.record("data/" + ref.key());
                if (e != null) {
                    referenced.add(e);
                }
            }
            try {
                TensorTree.Tree tree = TensorTree.build(decoded.get(), archive.storages(), archive.order(), arena, noCrc);
                report.tensors(ScanReport.TensorInventory.of(tree.tensors()));
            } catch (PtsafeException e) {
                ScanSupport.refused(report, e, Location.entry(pkl.name(), start));
            }
            unreadEntries(zip, referenced);
        }
        checkCrcs(zip, file, arena, referenced);
    }

    /** TorchScript and torch.package archives, recognised as {@link TorchZipReader#archive} recognises them. */
    private boolean holdsCode(ZipArchive zip) {
        Map<String, ZipEntryInfo> records = zip.records();
        String root = zip.root() + "/";
        if (zip.record("constants.pkl") != null || records.keySet().stream().anyMatch(n -> n.startsWith("code/"))) {
            report.container(ContainerKind.TORCHSCRIPT).add(ScanRule.HOLDS_CODE, Location.FILE, "a TorchScript "
                    + "archive (" + root + "constants.pkl, " + root + "code/): it holds TorchScript programs, which "
                    + "torch.load hands to torch.jit.load; ptsafe loads only data (save the state_dict instead)");
            return true;
        }
        boolean dotData = records.keySet().stream().anyMatch(n -> n.startsWith(".data/"));
        if (zip.record(".data/extern_modules") != null || dotData && zip.record("data.pkl") == null) {
            report.container(ContainerKind.TORCH_PACKAGE).add(ScanRule.HOLDS_CODE, Location.FILE, "a torch.package "
                    + "archive (" + root + ".data/): it packages Python code that loading it imports; ptsafe loads "
                    + "only data");
            return true;
        }
        return false;
    }

    /** Records no storage references, and entries outside torch's layout: torch.load never reads them. */
    private void unreadEntries(ZipArchive zip, Set<ZipEntryInfo> referenced) {
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
     * (data.pkl, byteorder, referenced storages) and warnings for the rest.
     */
    private void checkCrcs(ZipArchive zip, MemorySegment file, Arena arena, Set<ZipEntryInfo> referenced) {
        CrcPolicy policy = options.crcPolicy();
        ZipEntryInfo pkl = zip.record("data.pkl");
        ZipEntryInfo order = zip.record("byteorder");
        Records always = new Records(path, file, arena, options.toBuilder().crcPolicy(CrcPolicy.CHECK_IF_PRESENT).build());
        Records enforced = new Records(path, file, arena, options);
        for (ZipEntryInfo e : zip.records().values()) {
            if (e.method() != ZipEntryInfo.STORED) {
                continue;
            }
            boolean readAnyway = e == pkl || e == order;
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

    /** The name in the zip's first local header (a {@code .npy} file there means {@code .npz}), or null. */
    private static String firstName(byte[] h) {
        if (h.length < 30) {
            return null;
        }
        int n = h[26] & 0xff | (h[27] & 0xff) << 8;
        return 30 + n <= h.length ? new String(h, 30, n, StandardCharsets.UTF_8) : null;
    }
}
