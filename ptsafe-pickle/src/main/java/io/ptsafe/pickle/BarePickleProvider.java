package io.ptsafe.pickle;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.machine.PickleSniffer;
import io.ptsafe.pickle.machine.Values;
import io.ptsafe.pickle.torch.TorchPickle;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.FormatProvider;
import io.ptsafe.spi.MappedFiles;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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

    @Override
    public TensorFile open(FileProbe probe, LoadOptions options) throws PtsafeException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = MappedFiles.map(probe.path(), arena);
            PickleInput input = new PickleInput(bytes, probe.path(), "the file", 0);
            TorchPickle.Decoded d = TorchPickle.decode(input, options, false, false, TorchPickle.Mode.LOAD,
                    PickleListener.NONE);
            throw new PtsafeException(Reason.NOT_A_CHECKPOINT, probe.path(), "a bare pickle (protocol "
                    + d.result().protocol() + ", a " + Values.typeName(d.result().root()) + "), not a torch checkpoint: "
                    + "torch.save writes a zip archive, or before torch 1.6 a stream starting with its magic number; "
                    + "ptsafe does not load arbitrary pickled objects");
        }
    }

    @Override
    public ContainerKind container(FileProbe probe) {
        return ContainerKind.PICKLE;
    }

    /** Decodes the pickle as {@link #open} does, reporting every global: {@link BarePickleScanner}. */
    @Override
    public ScanReport scan(FileProbe probe, LoadOptions options) {
        return BarePickleScanner.scan(probe, options);
    }
}
