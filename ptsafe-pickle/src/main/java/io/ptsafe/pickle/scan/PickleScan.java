package io.ptsafe.pickle.scan;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.ScanFinding;
import io.ptsafe.ScanFinding.Location;
import io.ptsafe.ScanReport;
import io.ptsafe.ScanReport.Global;
import io.ptsafe.ScanRule;
import io.ptsafe.pickle.machine.ForbiddenGlobalsException;
import io.ptsafe.pickle.machine.GlobalUse;
import io.ptsafe.pickle.machine.Opcode;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.torch.TorchPickle;
import io.ptsafe.spi.DangerousGlobals;
import java.util.Optional;

/**
 * Scans one pickle with the machine and table that loading uses ({@link TorchPickle}, in scan
 * mode), reporting as it goes: every global with what it is, every forbidden opcode and call, and
 * the refusal that stopped decoding, if any, at the offset of the opcode where it stopped. Because
 * the report is filled while the machine runs, a truncated or malformed pickle still reports every
 * global before the point where it broke.
 */
public final class PickleScan implements PickleListener {
    private final ScanReport.Builder report;
    private final PickleInput input;
    private final long start;
    private long lastOpcode;
    private boolean unsafe;

    private PickleScan(ScanReport.Builder report, PickleInput input, long start) {
        this.report = report;
        this.input = input;
        this.start = start;
    }

    /**
     * Decodes {@code input} as loading does and reports into {@code report}.
     *
     * @param start where the pickle's bytes begin in the file, or -1 when they are not the file's
     *              bytes (an inflated record)
     * @return the decoded pickle, or empty when it names anything forbidden or was refused: then
     *         it must not be built into tensors, and the report says why
     */
    public static Optional<TorchPickle.Decoded> scan(PickleInput input, long start, LoadOptions options,
            boolean legacy, boolean allowTrailing, ScanReport.Builder report) {
        PickleScan s = new PickleScan(report, input, start);
        try {
            TorchPickle.Decoded d = TorchPickle.decode(input, options, legacy, allowTrailing, TorchPickle.Mode.SCAN, s);
            return s.unsafe || !d.result().forbidden().isEmpty() ? Optional.empty() : Optional.of(d);
        } catch (ForbiddenGlobalsException e) {
            // The globals are reported already; what matters is what stopped the machine, if anything.
            if (e.getCause() instanceof PtsafeException stop) {
                s.stopped(stop);
            }
            return Optional.empty();
        } catch (PtsafeException e) {
            s.stopped(e);
            return Optional.empty();
        }
    }

    /** The location of byte {@code offset} of the pickle. */
    public Location at(long offset) {
        return Location.inEntry(input.entry(), offset, start);
    }

    private void stopped(PtsafeException e) {
        report.add(ScanFinding.of(e, at(lastOpcode)));
        report.incomplete();
    }

    @Override
    public void opcode(Opcode op, long offset) {
        lastOpcode = offset;
    }

    @Override
    public void global(GlobalUse use) {
        Location where = at(use.offset());
        String family = null;
        Global.Kind kind = switch (use.status()) {
            case KNOWN -> Global.Kind.ALLOWED;
            case INERT -> Global.Kind.INERT;
            case FORBIDDEN -> {
                family = DangerousGlobals.familyOf(use.resolved()).orElse(null);
                yield family == null ? Global.Kind.UNKNOWN : Global.Kind.DANGEROUS;
            }
        };
        report.global(new Global(use.module(), use.name(), use.resolved(), kind, family, use.opcode().name(), where));
        String named = use.resolved() + " named by " + use.opcode() + " at byte " + use.offset() + " of "
                + (input.entry() == null ? "the pickle" : input.entry());
        switch (kind) {
            case DANGEROUS -> report.add(ScanRule.DANGEROUS_GLOBAL, where, named + ": module family '" + family
                    + "' runs code; torch.load would import and call it");
            case UNKNOWN -> report.add(ScanRule.UNKNOWN_GLOBAL, where, named + ": outside the allowlist (torch's "
                    + "weights_only globals); torch.load would import it and may call it");
            case INERT -> report.add(ScanRule.INERT_GLOBAL, where, named + ": declared inert, decoded as data");
            case ALLOWED -> { }
        }
    }

    @Override
    public void refused(Opcode op, long offset, PtsafeException refusal) {
        unsafe = true;
        report.add(ScanFinding.of(refusal, at(offset)));
    }
}
