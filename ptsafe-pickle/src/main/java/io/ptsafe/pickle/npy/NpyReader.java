package io.ptsafe.pickle.npy;

import io.ptsafe.ContainerKind;
import io.ptsafe.FileFormat;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.scan.PickleScan;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanFinding.Severity;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.spi.BasicTensorFile;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.MappedFiles;
import io.ptsafe.spi.ScanSupport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code .npy} arrays, a whole file ({@code np.save}) or a member of a {@code .npz}, through
 * one path ({@link #array}) for open and scan: {@link NpyHeader}, then {@link NpyArray}. A
 * {@code .npy} file holds one tensor, named {@code ""} (as a bare tensor saved with torch.save);
 * its {@link TensorFile#root()} is that tensor, what {@code np.load} returns.
 */
public final class NpyReader {
    private NpyReader() {
    }

    /** Opens a file (or content in memory) starting with numpy's magic string; on any refusal nothing stays mapped. */
    public static TensorFile open(FileProbe probe, LoadOptions options) throws PtsafeException {
        Path path = probe.path();
        return MappedFiles.open(probe, (file, arena) -> {
            Tensor t = array("", file, path, null, 0, arena, options, null);
            return new BasicTensorFile(path, FileFormat.NUMPY, List.of(t), Map.of(), new PyValue.TensorValue(t), arena,
                    List.of());
        });
    }

    /** Scans a file (or content in memory) starting with numpy's magic string, as {@link #open} reads it. */
    public static ScanReport scan(FileProbe probe, LoadOptions options) {
        Path path = probe.path();
        return ScanSupport.byReading(probe, ContainerKind.NUMPY, (file, arena, report) -> {
            Tensor t = array("", file, path, null, 0, arena, options, report);
            if (t != null) {
                report.tensors(ScanReport.TensorInventory.of(List.of(t)));
            }
        });
    }

    /**
     * One array, in both modes. Opening ({@code report} null) throws the refusal. A scan reports it
     * (for an object array also what its pickle names, through the restricted machine: what
     * {@code np.load(allow_pickle=True)} would unpickle) and returns null; it warns of bytes after
     * the data, which numpy ignores.
     *
     * @param name    the tensor's name
     * @param bytes   the whole .npy: the file, or the zip member's (inflated) bytes
     * @param path    the file
     * @param entry   the zip member's name, or null for a .npy file
     * @param start   where {@code bytes} start in the file, or -1 when they are inflated
     * @param arena   the file's arena
     * @param options the limits
     * @param report  the scan's report, or null when opening
     * @return the tensor, or null in a scan that found it refused
     * @throws PtsafeException when opening and the array is refused
     */
    public static Tensor array(String name, MemorySegment bytes, Path path, String entry, long start, Arena arena,
            LoadOptions options, ScanReport.Builder report) throws PtsafeException {
        String where = entry == null ? "the file" : "member '" + entry + "'";
        NpyHeader header = null;
        try {
            header = NpyHeader.read(bytes, path, where, options);
            Tensor t = NpyArray.tensor(name, header, bytes, path, where, arena);
            long trailing = NpyArray.trailing(header, bytes);
            if (report != null && trailing > 0) {
                long end = header.dataOffset() + header.byteCount();
                report.add(ScanRule.TRAILING_DATA, Severity.WARNING, Location.inEntry(entry, end, start), where + ": "
                        + trailing + " bytes after the array's data at byte " + end + ", which numpy ignores, and "
                        + "ptsafe too");
            }
            return t;
        } catch (PtsafeException e) {
            if (report == null) {
                throw e;
            }
            report.add(ScanFinding.of(e, entry == null ? Location.FILE : Location.entry(entry, start)));
            if (e.reason() == Reason.PICKLED_ARRAY && header != null) {
                MemorySegment pickle = bytes.asSlice(header.dataOffset());
                PickleScan.scan(new PickleInput(pickle, path, entry == null ? "the object array's pickle" : entry,
                        start < 0 ? -1 : start + header.dataOffset()), options, false, true, report);
            }
            return null;
        }
    }
}
