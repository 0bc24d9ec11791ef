package io.ptsafe.pickle.legacy;

import io.ptsafe.ContainerKind;
import io.ptsafe.FileFormat;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.scan.PickleScan;
import io.ptsafe.pickle.torch.TensorTree;
import io.ptsafe.spi.BasicTensorFile;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.MappedFiles;
import io.ptsafe.spi.ScanSupport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Reads a legacy {@code torch.save} stream ({@link LegacyStream}), one path for {@link #open} and
 * {@link #scan}. Opening gives a {@link TensorFile} of format {@link FileFormat#TORCH_LEGACY}: one
 * read-only mapping of the file in a shared arena owned by the result, every tensor a zero-copy view
 * of its storage block (views and big-endian hosts aside: see {@link io.ptsafe.Tensor#data()}).
 * Tensors are named as for zip checkpoints ({@link TensorTree}). A scan runs the same code with a
 * {@link PickleScan} listening to all five pickles: every global of every pickle up to the first
 * refusal is reported where it is, and the refusal is the finding that stopped the scan.
 */
public final class LegacyReader {
    private LegacyReader() {
    }

    /** Opens, fully validates and returns the checkpoint; on any refusal nothing stays mapped. */
    public static TensorFile open(Path path, LoadOptions options) throws PtsafeException {
        return MappedFiles.open(path, (file, arena) -> opened(path, file, arena, options));
    }

    /** {@link #open(Path, LoadOptions)} of what a probe holds: a file, or content in memory. */
    static TensorFile open(FileProbe probe, LoadOptions options) throws PtsafeException {
        return MappedFiles.open(probe, (file, arena) -> opened(probe.path(), file, arena, options));
    }

    private static TensorFile opened(Path path, MemorySegment file, Arena arena, LoadOptions options)
            throws PtsafeException {
        TensorTree.Tree tree = read(path, file, arena, options, null);
        return new BasicTensorFile(path, FileFormat.TORCH_LEGACY, tree.tensors(), Map.of(), tree.root(), arena,
                List.of());
    }

    /** Scans a legacy stream (a file, or content in memory) as {@link #open} reads it. */
    static ScanReport scan(FileProbe probe, LoadOptions options) {
        return ScanSupport.byReading(probe, ContainerKind.TORCH_LEGACY,
                (file, arena, report) -> read(probe.path(), file, arena, options, report));
    }

    /**
     * The one path of both modes: opening ({@code report} null) throws the first refusal; a scan
     * reports it and returns null.
     */
    private static TensorTree.Tree read(Path path, MemorySegment file, Arena arena, LoadOptions options,
            ScanReport.Builder report) throws PtsafeException {
        PickleScan pickles = report == null ? null : new PickleScan(report);
        LegacyStream stream;
        try {
            stream = LegacyStream.read(path, file, options, pickles == null ? PickleListener.NONE : pickles);
        } catch (PtsafeException e) {
            if (pickles == null) {
                throw e;
            }
            pickles.stopped(e);
            return null;
        }
        TensorTree.Tree tree;
        try {
            // Legacy storages are little-endian whatever the writing host (see SysInfo).
            tree = stream.lane() != null ? stream.lane().tree(path, stream.storages(), ByteOrder.LITTLE_ENDIAN, arena)
                    : TensorTree.build(stream.object(), stream.storages(), ByteOrder.LITTLE_ENDIAN, arena, options);
        } catch (PtsafeException e) {
            if (report == null) {
                throw e;
            }
            ScanSupport.refused(report, e, Location.FILE);
            return null;
        }
        if (report != null) {
            report.tensors(ScanReport.TensorInventory.of(tree.tensors()));
        }
        return tree;
    }
}
