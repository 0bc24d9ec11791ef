package io.ptsafe.pickle.zip;

import io.ptsafe.Limit;
import io.ptsafe.FileFormat;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.torch.StorageRef;
import io.ptsafe.pickle.torch.StorageSource;
import io.ptsafe.pickle.torch.TensorTree;
import io.ptsafe.pickle.torch.TorchPickle;
import io.ptsafe.spi.BasicTensorFile;
import io.ptsafe.spi.MappedFiles;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Opens a {@code torch.save} zip archive (torch 1.6 and later): one root folder (the file's stem
 * for older torch, {@code archive/} for newer) holding {@code data.pkl}, {@code data/<key>} records,
 * and optionally {@code byteorder} ("little" or "big"), {@code .format_version}, {@code version},
 * {@code .data/version}, {@code .data/serialization_id}.
 *
 * <p>Refused with {@link Reason#UNSUPPORTED_FORMAT}: TorchScript archives ({@code constants.pkl} or a
 * {@code code/} folder) and torch.package archives ({@code .data/extern_modules}, or a {@code .data/}
 * layout without {@code data.pkl}). A zip with neither is {@link Reason#NOT_A_CHECKPOINT}. A missing
 * or malformed {@code version} record is {@link Reason#INVALID_VERSION_RECORD}, as torch refuses it.
 */
public final class TorchZipReader {
    private TorchZipReader() {
    }

    /** Opens, fully validates and returns the checkpoint; on any refusal nothing stays mapped. */
    public static TensorFile open(Path path, LoadOptions options) throws PtsafeException {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment file = MappedFiles.map(path, arena);
            Archive a = archive(path, file, arena, options);
            TorchPickle.Decoded d = TorchPickle.decode(a.pickle(), options, false, false, TorchPickle.Mode.LOAD,
                    PickleListener.NONE);
            TensorTree.Tree tree = TensorTree.build(d, a.storages(), a.order(), arena, options);
            return new BasicTensorFile(path, FileFormat.TORCH_ZIP, tree.tensors(), Map.of(), tree.root(), arena, List.of());
        } catch (InternalError e) {
            arena.close();
            throw new PtsafeException(Reason.FILE_CHANGED, path, "the file changed or was truncated while it was read ("
                    + e.getMessage() + ")", e);
        } catch (PtsafeException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * A validated archive, its pickle not yet decoded: for the scanner, which decodes with its own
     * listener and never resolves storages.
     *
     * @param pickle   the {@code data.pkl} record
     * @param storages resolves {@code data/<key>} records, checking their size
     * @param order    from the {@code byteorder} record (little-endian without one)
     */
    public record Archive(PickleInput pickle, StorageSource storages, ByteOrder order) {
    }

    /** Validates the zip and its torch layout; {@code arena} receives inflated records. */
    public static Archive archive(Path path, MemorySegment file, Arena arena, LoadOptions options) throws PtsafeException {
        ZipArchive zip = ZipArchive.read(path, file, options);
        Archive a = archive(zip, path, file, arena, options);
        checkVersion(zip, path, file, arena, options);
        return a;
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
        byte[] b = reader.data(e).toArray(ValueLayout.JAVA_BYTE);
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

    /** {@link #archive(Path, MemorySegment, Arena, LoadOptions)} of a zip already read (the scanner reads it first). */
    static Archive archive(ZipArchive zip, Path path, MemorySegment file, Arena arena, LoadOptions options)
            throws PtsafeException {
        Map<String, ZipEntryInfo> records = zip.records();
        String root = zip.root();
        if (records.containsKey("constants.pkl") || records.keySet().stream().anyMatch(n -> n.startsWith("code/"))) {
            throw new PtsafeException(Reason.UNSUPPORTED_FORMAT, path, "a TorchScript archive (" + root
                    + "/constants.pkl or " + root + "/code/): it holds code, and ptsafe loads only data "
                    + "(save the state_dict with torch.save instead)");
        }
        boolean dotData = records.keySet().stream().anyMatch(n -> n.startsWith(".data/"));
        if (records.containsKey(".data/extern_modules") || dotData && zip.record("data.pkl") == null) {
            throw new PtsafeException(Reason.UNSUPPORTED_FORMAT, path, "a torch.package archive (" + root
                    + "/.data/): it packages code, and ptsafe loads only data");
        }
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
            String s = new String(reader.data(bo).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.ISO_8859_1);
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
        StorageSource storages = ref -> storage(path, root, zip, reader, ref);
        return new Archive(pickle, storages, order);
    }

    private static MemorySegment storage(Path path, String root, ZipArchive zip, Records reader, StorageRef ref)
            throws PtsafeException {
        ZipEntryInfo e = zip.record("data/" + ref.key());
        if (e == null) {
            throw new PtsafeException(Reason.MISSING_RECORD, path, "storage '" + ref.key() + "' (" + ref.storageClass()
                    + ") has no record " + root + "/data/" + ref.key());
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
