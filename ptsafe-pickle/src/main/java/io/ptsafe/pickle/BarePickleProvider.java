package io.ptsafe.pickle;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleSniffer;
import io.ptsafe.pickle.machine.Values;
import io.ptsafe.pickle.scan.PickleScan;
import io.ptsafe.pickle.torch.TorchPickle;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.FormatProvider;
import io.ptsafe.spi.MappedFiles;
import io.ptsafe.spi.ScanSupport;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Format provider "bare-pickle": files that read as a pickle (of any protocol, 0 and 1 included,
 * which have no header) but are neither a zip nor a legacy torch stream (whose first pickle is
 * torch's magic number). {@code torch.save} never writes such a file, yet {@code torch.load} runs
 * one, taking it for a legacy checkpoint. ptsafe decodes it through the same restricted machine, so
 * that a payload is reported as what it is (FORBIDDEN_GLOBAL, FORBIDDEN_OPCODE, ...), and otherwise
 * refuses it as {@link Reason#NOT_A_CHECKPOINT}: it never loads arbitrary pickled objects. Its low
 * priority lets the zip, legacy and safetensors providers claim their files first.
 */
public final class BarePickleProvider implements FormatProvider {
    /** The legacy magic number 0x1950a86a20f9469cfc6c as LONG1's little-endian bytes. */
    private static final byte[] MAGIC = {0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
            (byte) 0xa8, 0x50, 0x19};

    @Override
    public String name() {
        return "bare-pickle";
    }

    @Override
    public int priority() {
        return -10;
    }

    /**
     * Any file that is not a zip nor a legacy stream and whose first opcode torch's unpickler would
     * start to run: {@link PickleSniffer#whyNotAPickle}. Whatever follows that opcode (control or
     * non-ASCII bytes, a long string, no PROTO), torch unpickles this first pickle before it checks
     * anything, so the restricted machine judges all of it.
     */
    @Override
    public boolean recognizes(FileProbe probe) {
        return declineReason(probe).isEmpty() && !isLegacyTorch(probe.head());
    }

    @Override
    public Optional<String> declineReason(FileProbe probe) {
        if (probe.isDirectory() || probe.startsWith((byte) 'P', (byte) 'K', (byte) 3, (byte) 4)) {
            return Optional.of("a folder or a zip");
        }
        return Optional.ofNullable(PickleSniffer.whyNotAPickle(probe.head(), probe.size()));
    }

    /** PROTO n, an optional FRAME, then LONG1 holding torch's magic number. */
    static boolean isLegacyTorch(byte[] h) {
        if (h.length < 2 || (h[0] & 0xff) != 0x80) {
            return false;
        }
        int p = 2;
        if (h.length > p && (h[p] & 0xff) == 0x95) {
            p += 9;
        }
        if (h.length < p + 1 + MAGIC.length || (h[p] & 0xff) != 0x8a) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (h[p + 1 + i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** Decodes the pickle through the one path ({@link #read}) and refuses it: a bare pickle is never loaded. */
    @Override
    public TensorFile open(FileProbe probe, LoadOptions options) throws PtsafeException {
        throw MappedFiles.read(probe, (file, arena) -> read(probe.path(), file, options, null));
    }

    @Override
    public ContainerKind container(FileProbe probe) {
        return ContainerKind.PICKLE;
    }

    /** Decodes the pickle as {@link #open} does, reporting every global: {@link #read}. */
    @Override
    public ScanReport scan(FileProbe probe, LoadOptions options) {
        ScanReport.Builder report = ScanReport.builder(probe.path(), ContainerKind.PICKLE);
        try {
            MappedFiles.read(probe, (file, arena) -> read(probe.path(), file, options, report));
        } catch (PtsafeException e) {
            ScanSupport.refused(report, e, Location.FILE);
        }
        return report.build();
    }

    /**
     * The one path of both modes: the whole file through the restricted machine with torch's table.
     * Opening ({@code report} null) throws the machine's refusal, or returns the refusal of an inert
     * pickle, which is still no checkpoint. A scan reports every global: one that names anything
     * forbidden is UNSAFE (what torch.load would run), an inert one INVALID; it returns null.
     */
    private static PtsafeException read(Path path, MemorySegment file, LoadOptions options, ScanReport.Builder report)
            throws PtsafeException {
        PickleInput input = new PickleInput(file, path, report == null ? "the file" : null, 0);
        Optional<TorchPickle.Decoded> d = PickleScan.decode(input, options, false, false, report);
        if (d.isEmpty()) {
            return null;
        }
        String what = "a bare pickle (protocol " + d.get().result().protocol() + ", a "
                + Values.typeName(d.get().result().root()) + "), not a torch checkpoint: ";
        if (report == null) {
            return new PtsafeException(Reason.NOT_A_CHECKPOINT, path, what + "torch.save writes a zip archive, or "
                    + "before torch 1.6 a stream starting with its magic number; ptsafe does not load arbitrary "
                    + "pickled objects");
        }
        report.add(ScanRule.NOT_A_CHECKPOINT, Location.FILE, what + "it holds nothing that would run, but ptsafe "
                + "loads only torch.save archives and streams, not arbitrary pickled objects");
        return null;
    }
}
