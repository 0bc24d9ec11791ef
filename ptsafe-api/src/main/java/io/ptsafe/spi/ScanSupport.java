package io.ptsafe.spi;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Helpers for {@link FormatProvider#scan}. */
public final class ScanSupport {
    private ScanSupport() {
    }

    /**
     * Scans by opening the file and closing it again: the scan {@link FormatProvider#scan} does by
     * default. A refusal becomes one finding of its reason's rule; success gives the tensor
     * inventory. Opening maps the file but reads no tensor data, so this costs what opening costs.
     *
     * @param provider the provider that recognised the file, whose {@link FormatProvider#open} is used
     * @param probe    the probe it recognised
     * @param options  passed to {@link FormatProvider#open}
     * @return the report; its container is {@link FormatProvider#container}'s, or, when that is
     *         UNKNOWN and the file opens, the kind of the opened file's format
     */
    public static ScanReport byOpening(FormatProvider provider, FileProbe probe, LoadOptions options) {
        ScanReport.Builder b = ScanReport.builder(probe.path(), provider.container(probe));
        try (TensorFile f = provider.open(probe, options)) {
            if (b.container() == ContainerKind.UNKNOWN) {
                b.container(ContainerKind.of(f.format()));
            }
            b.tensors(ScanReport.TensorInventory.of(f.tensors()));
        } catch (IOException e) {
            refused(b, e, Location.FILE);
        }
        return b.build();
    }

    /**
     * A format's one reader run in scan mode: it reports what it finds into the report it is given.
     */
    @FunctionalInterface
    public interface ReportReading {
        /**
         * Reads the mapping, reporting into {@code report}.
         *
         * @param file   a read-only segment of the whole file
         * @param arena  the mapping's arena, closed when the scan ends
         * @param report the report being built
         * @throws PtsafeException what stops the scan
         */
        void read(MemorySegment file, Arena arena, ScanReport.Builder report) throws PtsafeException;
    }

    /**
     * Scans by mapping the file ({@link MappedFiles#read(FileProbe, MappedFiles.Reading)}), or taking
     * the content in memory, and running the format's reader in scan mode; a refusal that stops it
     * (or the mapping) becomes a finding at the file.
     *
     * @param probe   the file or content to scan
     * @param kind    the container the report starts as
     * @param reading the format's reader in scan mode
     * @return the report
     */
    public static ScanReport byReading(FileProbe probe, ContainerKind kind, ReportReading reading) {
        ScanReport.Builder report = ScanReport.builder(probe.path(), kind);
        try {
            MappedFiles.read(probe, (file, arena) -> {
                reading.read(file, arena, report);
                return null;
            });
        } catch (PtsafeException e) {
            refused(report, e, Location.FILE);
        }
        return report.build();
    }

    /**
     * Records a refusal that stopped the scan: the finding of its reason's rule (an I/O error that
     * is no {@link PtsafeException} is {@link ScanRule#IO_ERROR}), and the report marked incomplete.
     *
     * @param report   the report being built
     * @param e        what stopped the scan
     * @param location where in the file the scan stopped, or {@link Location#FILE}
     */
    public static void refused(ScanReport.Builder report, IOException e, Location location) {
        if (e instanceof PtsafeException p) {
            report.add(ScanFinding.of(p, location));
        } else {
            report.add(ScanRule.IO_ERROR, location, report.container() + " " + e);
        }
        report.incomplete();
    }
}
