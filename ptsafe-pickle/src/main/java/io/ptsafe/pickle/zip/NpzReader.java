package io.ptsafe.pickle.zip;

import io.ptsafe.ContainerKind;
import io.ptsafe.FileFormat;
import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.npy.NpyHeader;
import io.ptsafe.pickle.npy.NpyReader;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.spi.BasicTensorFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a numpy {@code .npz} ({@code np.savez}, {@code np.savez_compressed}): a zip of {@code .npy}
 * members at the top level, under the same zip checks as a torch archive ({@link ZipArchive}; STORED
 * members are slices of the mapping, DEFLATED ones inflated into the file's arena within
 * {@link LoadOptions#maxInflatedBytes()} and {@link LoadOptions#maxCompressionRatio()}:
 * {@link Records}). Every member becomes one tensor, in directory order, named as numpy's
 * {@code NpzFile.files} names it (npyio.py lines 190-195): the member's name without a trailing
 * {@code .npy}. Each member is read by {@link NpyReader}.
 *
 * <p>numpy's {@code NpzFile.__getitem__} (lines 232-262) reads a member as an array when its bytes
 * start with the magic string, whatever its name, and hands any other member back as raw bytes;
 * ptsafe loads arrays only and refuses such a member ({@link Reason#UNSUPPORTED_FORMAT}), and two
 * members that numpy names alike ({@code a} and {@code a.npy}: {@link Reason#DUPLICATE_TENSOR}).
 * Folder entries hold nothing and are skipped.
 */
final class NpzReader {
    private NpzReader() {
    }

    /** Opens the npz: every member an array, or a refusal. */
    static TensorFile open(Path path, MemorySegment file, Arena arena, LoadOptions options) throws PtsafeException {
        List<Tensor> tensors = read(path, file, arena, options, null);
        return new BasicTensorFile(path, FileFormat.NUMPY, tensors, Map.of(), null, arena, List.of());
    }

    /** Scans the npz as {@link #open} reads it, reporting every member's refusal. */
    static void scan(Path path, MemorySegment file, Arena arena, LoadOptions options, ScanReport.Builder report)
            throws PtsafeException {
        report.container(ContainerKind.NUMPY);
        List<Tensor> tensors = read(path, file, arena, options, report);
        if (tensors != null) {
            report.tensors(ScanReport.TensorInventory.of(tensors));
        }
    }

    /** The one path: opening ({@code report} null) throws; a scan returns null when a member was refused. */
    private static List<Tensor> read(Path path, MemorySegment file, Arena arena, LoadOptions options,
            ScanReport.Builder report) throws PtsafeException {
        ZipArchive zip = ZipArchive.readFlat(path, file, options);
        if (zip.records().size() > options.maxTensors()) {
            throw Limit.MAX_TENSORS.exceeded(path, "npz members", zip.records().size(), options.maxTensors());
        }
        Records records = new Records(path, file, arena, options);
        List<Tensor> tensors = new ArrayList<>(zip.records().size());
        Set<String> names = new HashSet<>();
        boolean refused = false;
        for (ZipEntryInfo e : zip.records().values()) {
            String member = e.name();
            String name = member.endsWith(".npy") ? member.substring(0, member.length() - 4) : member;
            try {
                if (!names.add(name)) {
                    throw new PtsafeException(Reason.DUPLICATE_TENSOR, path, "member '" + ZipArchive.clip(member)
                            + "' is array '" + ZipArchive.clip(name) + "' for numpy's NpzFile, as an earlier member is");
                }
                MemorySegment bytes = records.data(e);
                if (!NpyHeader.hasMagic(bytes)) {
                    throw new PtsafeException(Reason.UNSUPPORTED_FORMAT, path, "member '" + ZipArchive.clip(member)
                            + "' is no .npy array (it does not start with \\x93NUMPY): numpy's NpzFile hands it back "
                            + "as raw bytes; ptsafe loads arrays only");
                }
                long start = e.method() == ZipEntryInfo.STORED ? e.dataOffset() : -1;
                Tensor t = NpyReader.array(name, bytes, path, member, start, arena, options, report);
                if (t == null) {
                    refused = true;
                } else {
                    tensors.add(t);
                }
            } catch (PtsafeException x) {
                if (report == null) {
                    throw x;
                }
                report.add(ScanFinding.of(x, Location.entry(member, e.dataOffset())));
                refused = true;
            }
        }
        return refused ? null : tensors;
    }
}
