package io.ptsafe.pickle;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.Values;
import io.ptsafe.pickle.scan.PickleScan;
import io.ptsafe.pickle.torch.TorchPickle;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.MappedFiles;
import io.ptsafe.spi.ScanSupport;
import java.lang.foreign.Arena;
import java.util.Optional;

/**
 * Scans a bare pickle as {@link BarePickleProvider#open} reads it: the whole file through the
 * restricted machine with torch's table, every global reported. An inert one is still no checkpoint
 * (INVALID); one that names anything forbidden is UNSAFE, which is what torch.load would run.
 */
final class BarePickleScanner {
    private BarePickleScanner() {
    }

    static ScanReport scan(FileProbe probe, LoadOptions options) {
        ScanReport.Builder report = ScanReport.builder(probe.path(), ContainerKind.PICKLE);
        try (Arena arena = Arena.ofConfined()) {
            PickleInput input = new PickleInput(MappedFiles.map(probe.path(), arena), probe.path(), null, 0);
            Optional<TorchPickle.Decoded> d = PickleScan.scan(input, options, false, false, report);
            if (d.isPresent()) {
                report.add(ScanRule.NOT_A_CHECKPOINT, Location.FILE, "a bare pickle (protocol "
                        + d.get().result().protocol() + ", a " + Values.typeName(d.get().result().root())
                        + "), not a torch checkpoint: it holds nothing that would run, but ptsafe loads only torch.save "
                        + "archives and streams, not arbitrary pickled objects");
            }
        } catch (PtsafeException e) {
            ScanSupport.refused(report, e, Location.FILE);
        } catch (InternalError e) {
            // A mapped page that vanished: the file was truncated or replaced while being read.
            report.add(ScanRule.IO_ERROR, Location.FILE, "the file changed or was truncated while it was scanned ("
                    + e.getMessage() + ")").incomplete();
        }
        return report.build();
    }
}
