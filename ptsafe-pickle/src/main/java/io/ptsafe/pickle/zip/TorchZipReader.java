package io.ptsafe.pickle.zip;

import io.ptsafe.Limit;
import io.ptsafe.ContainerKind;
import io.ptsafe.FileFormat;
import io.ptsafe.LoadOptions;
import io.ptsafe.LoadOptions.CrcPolicy;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.scan.PickleScan;
import io.ptsafe.pickle.torch.StorageRef;
import io.ptsafe.pickle.torch.StateDictLane;
import io.ptsafe.pickle.torch.StorageSource;
import io.ptsafe.pickle.torch.TensorTree;
import io.ptsafe.pickle.torch.TorchPickle;
import io.ptsafe.spi.BasicTensorFile;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.MappedFiles;
import io.ptsafe.spi.ScanSupport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads a {@code torch.save} zip archive (torch 1.6 and later): one root folder (the file's stem
 * for older torch, {@code archive/} for newer) holding {@code data.pkl}, {@code data/<key>} records,
 * and optionally {@code byteorder} ("little" or "big"), {@code .format_version}, {@code version},
 * {@code .data/version}, {@code .data/serialization_id}. {@link #open} and {@link #scan} run the one
 * path, {@link #read}: opening stops at the first refusal, a scan records it and goes on where it can.
 *
 * <p>A numpy {@code .npz} ({@link ZipKinds#npz}) is read by {@link NpzReader}. Refused with
 * {@link Reason#UNSUPPORTED_FORMAT}: TorchScript and torch.package archives ({@link ZipKinds}). A zip with neither is {@link Reason#NOT_A_CHECKPOINT}. A missing
 * or malformed {@code version} record is {@link Reason#INVALID_VERSION_RECORD}, as torch refuses it.
 *
 * <p>A scan reports, through the same code: {@link ZipArchive} for the container, the torch layout,
 * data.pkl through {@link PickleScan} (every global reported, decoding going on past forbidden ones)
 * and {@link TensorTree} for storages and views; and, as warnings, what loading ignores
 * ({@link ZipWarnings}).
 */
public final class TorchZipReader {
    private TorchZipReader() {
    }

    /** Opens, fully validates and returns the checkpoint; on any refusal nothing stays mapped. */
    public static TensorFile open(Path path, LoadOptions options) throws PtsafeException {
        return MappedFiles.open(path, (file, arena) -> opened(path, file, arena, options));
    }

    /** {@link #open(Path, LoadOptions)} of what a probe holds: a file, or content in memory. */
    public static TensorFile open(FileProbe probe, LoadOptions options) throws PtsafeException {
        return MappedFiles.open(probe, (file, arena) -> opened(probe.path(), file, arena, options));
    }

    private static TensorFile opened(Path path, MemorySegment file, Arena arena, LoadOptions options)
            throws PtsafeException {
        if (ZipKinds.npz(file) != null) {
            return NpzReader.open(path, file, arena, options);
        }
        boolean[] script = new boolean[1];
        TensorTree.Tree tree = read(path, file, arena, options, null, script);
        return new BasicTensorFile(path, script[0] ? FileFormat.TORCHSCRIPT : FileFormat.TORCH_ZIP, tree.tensors(),
                script[0] ? TorchScriptArchive.METADATA : Map.of(), tree.root(), arena, List.of());
    }

    /** Scans a file (or content in memory) whose first bytes are a zip local header, as {@link #open} reads it. */
    public static ScanReport scan(FileProbe probe, LoadOptions options) {
        Path path = probe.path();
        return ScanSupport.byReading(probe, ContainerKind.ZIP, (file, arena, report) -> {
            if (ZipKinds.npz(file) != null) {
                NpzReader.scan(path, file, arena, options, report);
            } else {
                read(path, file, arena, options, report, new boolean[1]);
            }
        });
    }

    /**
     * The one path of both modes. Opening ({@code report} null) throws the first refusal and returns
     * the tensors; a scan reports every finding into {@code report}, throws only what stops it before
     * the layout is known, and returns the tensors it could build, or null. {@code script[0]} is set
     * when the file was read as a TorchScript archive.
     */
    private static TensorTree.Tree read(Path path, MemorySegment file, Arena arena, LoadOptions options,
            ScanReport.Builder report, boolean[] script) throws PtsafeException {
        boolean scan = report != null;
        // An npz never gets here: open and scan send it to NpzReader first.
        ZipArchive zip = ZipArchive.read(path, file, options);
        ZipKinds code = ZipKinds.code(zip);
        if (code != null && code.kind() == ContainerKind.TORCHSCRIPT) {
            script[0] = true;
            return TorchScriptArchive.readOrScan(path, file, arena, options, zip, code, report);
        }
        if (code != null) {
            return notACheckpoint(code, path, report);
        }
        // A scan leaves CRCs to ZipWarnings.checkCrcs, so that a bad CRC does not hide the payload.
        LoadOptions reading = scan ? options.toBuilder().crcPolicy(CrcPolicy.SKIP).build() : options;
        ZipWarnings warnings = scan ? new ZipWarnings(path, options, report, zip) : null;
        Archive archive;
        try {
            archive = archive(zip, path, file, arena, reading);
        } catch (PtsafeException e) {
            if (!scan) {
                throw e;
            }
            ScanSupport.refused(report, e, Location.FILE);
            warnings.checkCrcs(file, arena, Collections.emptySet());
            return null;
        }
        if (scan) {
            report.container(ContainerKind.TORCH_ZIP);
        }
        try {
            checkVersion(zip, path, file, arena, reading);
        } catch (PtsafeException e) {
            if (!scan) {
                throw e;
            }
            // torch refuses the file before reading data.pkl; the scan still reports what data.pkl holds.
            ZipEntryInfo v = zip.record("version");
            report.add(ScanFinding.of(e, v == null ? Location.FILE : Location.entry(v.name(), v.dataOffset())));
        }
        if (!scan) {
            // A plain state dict is read by the lane, as the machine reads it; anything else, by the machine.
            TensorTree.Tree lane = StateDictLane.read(archive.pickle(), archive.storages(), archive.order(), arena,
                    reading);
            if (lane != null) {
                return lane;
            }
        }
        ZipEntryInfo pkl = zip.record("data.pkl");
        long start = pkl.method() == ZipEntryInfo.STORED ? pkl.dataOffset() : -1;
        // A scan locates findings in the file, and offsets in an inflated data.pkl are not the file's.
        PickleInput pickle = scan ? new PickleInput(archive.pickle().bytes(), path, pkl.name(), start) : archive.pickle();
        Optional<TorchPickle.Decoded> decoded = PickleScan.decode(pickle, options, false, false, report);
        if (decoded.isEmpty()) {
            warnings.checkCrcs(file, arena, Collections.emptySet());
            return null;
        }
        TensorTree.Tree tree = null;
        try {
            tree = TensorTree.build(decoded.get(), archive.storages(), archive.order(), arena, reading);
        } catch (PtsafeException e) {
            if (!scan) {
                throw e;
            }
            ScanSupport.refused(report, e, Location.entry(pkl.name(), start));
        }
        if (scan) {
            if (tree != null) {
                report.tensors(ScanReport.TensorInventory.of(tree.tensors()));
            }
            Set<ZipEntryInfo> referenced = Collections.newSetFromMap(new IdentityHashMap<>());
            for (StorageRef ref : decoded.get().storages().values()) {
                ZipEntryInfo e = zip.record("data/", ref.key());
                if (e != null) {
                    referenced.add(e);
                }
            }
            warnings.unreadEntries(referenced);
            warnings.checkCrcs(file, arena, referenced);
        }
        return tree;
    }

    /** An npz, TorchScript or torch.package archive: refused when opening, reported by a scan. */
    private static TensorTree.Tree notACheckpoint(ZipKinds kind, Path path, ScanReport.Builder report)
            throws PtsafeException {
        if (report == null) {
            throw kind.refusal(path);
        }
        kind.report(report);
        return null;
    }

    /**
     * A validated archive, its pickle not yet decoded.
     *
     * @param pickle   the {@code data.pkl} record
     * @param storages resolves {@code data/<key>} records, checking their size
     * @param order    from the {@code byteorder} record (little-endian without one)
     */
    record Archive(PickleInput pickle, StorageSource storages, ByteOrder order) {
    }

    /** Oldest file format version torch 1.13 reads (caffe2/serialize/versions.h kMinSupportedFileFormatVersion). */
    static final long MIN_VERSION = 1;
    /** Newest file format version torch 1.13 reads (caffe2/serialize/versions.h kMaxSupportedFileFormatVersion 0xA). */
    static final long MAX_VERSION = 10;

    /**
     * The version records torch checks before it reads anything else (PyTorchStreamReader::init,
     * caffe2/serialize/inline_container.cc: getRecord("version"), then
     * "Couldn't parse the version ... as Long Long" and the two AT_ASSERTM range checks, as in
     * libtorch_cpu.so.1.13.0): {@code version} must exist (found
     * as every record, ignoring ASCII case), parse with {@code caffe2::stoull} and lie in
     * [{@value #MIN_VERSION}, {@value #MAX_VERSION}], or torch refuses the file. torch 2.x reads
     * {@code .data/version} instead when there is one, so that one is checked too. stoull skips
     * leading blanks, takes a sign and stops at the first non-digit ("3abc" is 3, "-1" wraps to a huge
     * number); ptsafe takes only what torch.save writes, decimal digits and an optional newline, and
     * refuses the rest.
     */
    static void checkVersion(ZipArchive zip, Path path, MemorySegment file, Arena arena, LoadOptions options)
            throws PtsafeException {
        ZipEntryInfo v = zip.record("version");
        if (v == null) {
            throw new PtsafeException(Reason.INVALID_VERSION_RECORD, path, "no record " + zip.root()
                    + "/version: torch refuses an archive without one");
        }
        Records reader = new Records(path, file, arena, options);
        version(path, v, reader);
        ZipEntryInfo dotData = zip.record(".data/version");
        if (dotData != null) {
            version(path, dotData, reader);
        }
    }

    private static void version(Path path, ZipEntryInfo e, Records reader) throws PtsafeException {
        if (e.size() > 21) {
            throw badVersion(path, e, e.size() + " bytes");
        }
        byte[] b = bytes(reader.data(e));
        int n = b.length > 0 && b[b.length - 1] == '\n' ? b.length - 1 : b.length;
        long value = 0;
        for (int i = 0; i < n; i++) {
            if (b[i] < '0' || b[i] > '9' || value > MAX_VERSION) {
                throw badVersion(path, e, "'" + printable(b) + "'");
            }
            value = value * 10 + (b[i] - '0');
        }
        if (n == 0 || value < MIN_VERSION || value > MAX_VERSION) {
            throw badVersion(path, e, "'" + printable(b) + "'");
        }
    }

    /** A small record's bytes (MemorySegment.copy: toArray asks the JDK for the class's simple name each call). */
    private static byte[] bytes(MemorySegment s) {
        byte[] b = new byte[(int) s.byteSize()];
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, 0, b, 0, b.length);
        return b;
    }

    private static String printable(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(x >= 0x20 && x < 0x7f ? String.valueOf((char) x) : String.format("\\x%02x", x & 0xff));
        }
        return sb.toString();
    }

    private static PtsafeException badVersion(Path path, ZipEntryInfo e, String seen) {
        return new PtsafeException(Reason.INVALID_VERSION_RECORD, path, "record " + e.name() + " holds " + seen
                + "; torch reads a decimal file format version from " + MIN_VERSION + " to " + MAX_VERSION
                + " (torch.save writes \"3\\n\")");
    }

    /**
     * Where the {@code data.pkl} that {@link #open} decodes starts in {@code file}: for the zip fuzz
     * target's oracle, which checks it is the record miniz finds. Refuses what {@link #open} refuses
     * before it decodes the pickle.
     */
    public static long dataPickleOffset(Path path, MemorySegment file, Arena arena, LoadOptions options)
            throws PtsafeException {
        ZipKinds npz = ZipKinds.npz(file);
        ZipArchive zip = ZipArchive.read(path, file, options);
        ZipKinds code = ZipKinds.code(zip);
        if (npz != null || code != null) {
            throw new PtsafeException(Reason.UNSUPPORTED_FORMAT, path, "not a torch checkpoint: "
                    + (npz != null ? npz : code));
        }
        Archive archive = archive(zip, path, file, arena, options);
        checkVersion(zip, path, file, arena, options);
        return archive.pickle().fileOffset();
    }

    /** The torch layout of a zip that is no {@link ZipKinds} archive; {@code arena} receives inflated records. */
    static Archive archive(ZipArchive zip, Path path, MemorySegment file, Arena arena, LoadOptions options)
            throws PtsafeException {
        String root = zip.root();
        ZipEntryInfo pkl = zip.record("data.pkl");
        if (pkl == null) {
            throw new PtsafeException(Reason.NOT_A_CHECKPOINT, path, "a zip archive without " + root
                    + "/data.pkl: not a torch checkpoint");
        }
        Records reader = new Records(path, file, arena, options);
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        ZipEntryInfo bo = zip.record("byteorder");
        if (bo != null) {
            if (bo.size() > 16) {
                throw badOrder(path, root, bo.size() + " bytes");
            }
            String s = new String(bytes(reader.data(bo)), StandardCharsets.ISO_8859_1);
            order = switch (s) {
                case "little" -> ByteOrder.LITTLE_ENDIAN;
                case "big" -> ByteOrder.BIG_ENDIAN;
                default -> throw badOrder(path, root, "'" + s + "'");
            };
        }
        if (pkl.size() > options.maxPickleBytes()) {
            throw Limit.MAX_PICKLE_BYTES.exceeded(path, root + "/data.pkl", pkl.size(), options.maxPickleBytes());
        }
        PickleInput pickle = new PickleInput(reader.data(pkl), path, pkl.name(), pkl.dataOffset());
        StorageSource storages = ref -> storage(path, root, zip, reader, ref, "data/");
        return new Archive(pickle, storages, order);
    }

    /** The record {@code <folder><key>} of a storage ({@code data/} for data.pkl, {@code constants/} for TorchScript's constants). */
    static MemorySegment storage(Path path, String root, ZipArchive zip, Records reader, StorageRef ref, String folder)
            throws PtsafeException {
        ZipEntryInfo e = zip.record(folder, ref.key());
        if (e == null) {
            throw new PtsafeException(Reason.MISSING_RECORD, path, "storage '" + ref.key() + "' (" + ref.storageClass()
                    + ") has no record " + root + "/" + folder + ref.key());
        }
        long expected = ref.byteSize();
        if (expected < 0 || e.size() != expected) {
            throw new PtsafeException(Reason.RECORD_SIZE_MISMATCH, path, "record " + e.name() + " holds " + e.size()
                    + " bytes; storage '" + ref.key() + "' declares " + ref.numel() + " elements of "
                    + ref.elementType() + " (" + (expected < 0 ? "overflow" : expected + " bytes") + ")");
        }
        return reader.data(e);
    }

    private static PtsafeException badOrder(Path path, String root, String seen) {
        return new PtsafeException(Reason.INVALID_BYTE_ORDER, path, root + "/byteorder holds " + seen
                + "; it must be \"little\" or \"big\"");
    }
}
