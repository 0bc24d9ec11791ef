package io.ptsafe.pickle.legacy;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.pickle.scan.PickleScan;
import io.ptsafe.pickle.torch.TensorTree;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.MappedFiles;
import io.ptsafe.spi.ScanSupport;
import java.lang.foreign.Arena;
import java.nio.ByteOrder;

/**
 * Scans a legacy torch stream through the code that loads it ({@link LegacyStream} with a
 * {@link PickleScan} listening to all five pickles, then {@link TensorTree}): every global of every
 * pickle up to the first refusal is reported where it is, and the refusal is the finding that
 * stopped the scan.
 */
final class LegacyScanner {
    private LegacyScanner() {
    }

    static ScanReport scan(TorchLegacyProvider provider, FileProbe probe, LoadOptions options) {
        if (provider.container(probe) == ContainerKind.TAR) {
            return ScanSupport.byOpening(provider, probe, options);
        }
        ScanReport.Builder report = ScanReport.builder(probe.path(), ContainerKind.TORCH_LEGACY);
        PickleScan pickles = new PickleScan(report);
        try (Arena arena = Arena.ofConfined()) {
            LegacyStream stream = LegacyStream.read(probe.path(), MappedFiles.map(probe.path(), arena), options, pickles);
            try {
                TensorTree.Tree tree = TensorTree.build(stream.object(), stream.storages(), ByteOrder.LITTLE_ENDIAN,
                        arena, options);
                report.tensors(ScanReport.TensorInventory.of(tree.tensors()));
            } catch (PtsafeException e) {
                ScanSupport.refused(report, e, Location.FILE);
            }
        } catch (PtsafeException e) {
            pickles.stopped(e);
        } catch (InternalError e) {
            report.add(ScanRule.IO_ERROR, Location.FILE, "the file changed or was truncated while it was scanned ("
                    + e.getMessage() + ")").incomplete();
        }
        return report.build();
    }
}
