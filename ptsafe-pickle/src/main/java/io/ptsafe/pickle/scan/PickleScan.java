package io.ptsafe.pickle.scan;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReport.Global;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.pickle.machine.ForbiddenGlobalsException;
import io.ptsafe.pickle.machine.GlobalUse;
import io.ptsafe.pickle.machine.Opcode;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.torch.TorchPickle;
import io.ptsafe.spi.DangerousGlobals;
import java.util.Optional;

/**
 * Reports what the machine meets while it decodes, as loading decodes ({@link TorchPickle}): every
 * global with what it is, every forbidden opcode and call, and the refusal that stopped decoding,
 * at the offset of the opcode where it stopped. Because the report is filled while the machine
 * runs, a truncated or malformed pickle still reports every global before the point where it broke.
 * One instance may watch the several pickles of a stream.
 */
public final class PickleScan implements PickleListener {
    private final ScanReport.Builder report;
    private PickleInput input;
    private long lastOpcode = -1;
    private boolean afterStop;
    private boolean unsafe;

    /** A listener reporting into {@code report}. */
    public PickleScan(ScanReport.Builder report) {
        this.report = report;
    }

    /**
     * Decodes one pickle as loading does, in the machine's scan mode, and reports into {@code report}.
     *
     * @return the decoded pickle, or empty when it names anything forbidden or was refused: then
     *         it must not be built into tensors, and the report says why
     */
    public static Optional<TorchPickle.Decoded> scan(PickleInput input, LoadOptions options, boolean legacy,
            boolean allowTrailing, ScanReport.Builder report) {
        PickleScan s = new PickleScan(report);
        try {
            TorchPickle.Decoded d = TorchPickle.decode(input, options, legacy, allowTrailing, TorchPickle.Mode.SCAN, s);
            return s.unsafe || !d.result().forbidden().isEmpty() ? Optional.empty() : Optional.of(d);
        } catch (PtsafeException e) {
            s.stopped(e);
            return Optional.empty();
        }
    }

    /**
     * Decodes one pickle for open ({@code report} null: as loading does, the first refusal thrown)
     * or for a scan ({@link #scan}): the one call the readers make in both modes.
     *
     * @return the decoded pickle; empty only in a scan, when it must not be built into tensors
     * @throws PtsafeException when opening and the pickle is refused
     */
    public static Optional<TorchPickle.Decoded> decode(PickleInput input, LoadOptions options, boolean legacy,
            boolean allowTrailing, ScanReport.Builder report) throws PtsafeException {
        if (report == null) {
            return Optional.of(TorchPickle.decode(input, options, legacy, allowTrailing, TorchPickle.Mode.LOAD,
                    PickleListener.NONE));
        }
        return scan(input, options, legacy, allowTrailing, report);
    }

    /** Whether anything that would run code was met. */
    public boolean unsafe() {
        return unsafe;
    }

    /**
     * Records the refusal that stopped the scan, located at the opcode where the machine stopped
     * when it stopped inside a pickle. A refusal for forbidden globals adds nothing (they are
     * reported as they are met) but what stopped the machine after them, if anything.
     */
    public void stopped(PtsafeException e) {
        report.incomplete();
        if (e instanceof ForbiddenGlobalsException) {
            if (e.getCause() instanceof PtsafeException after) {
                report.add(ScanFinding.of(after, where()));
            }
            return;
        }
        report.add(ScanFinding.of(e, where()));
    }

    private Location where() {
        return input == null || afterStop || lastOpcode < 0 ? Location.FILE : at(lastOpcode);
    }

    /** The location of byte {@code offset} of the current pickle. */
    private Location at(long offset) {
        long start = input.fileOffset();
        return Location.inEntry(input.entry(), offset, start);
    }

    @Override
    public void start(PickleInput in) {
        this.input = in;
        this.lastOpcode = -1;
        this.afterStop = false;
    }

    @Override
    public void opcode(Opcode op, long offset) {
        lastOpcode = offset;
        afterStop = op == Opcode.STOP;
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
            case DANGEROUS -> {
                unsafe = true;
                report.add(ScanRule.DANGEROUS_GLOBAL, where, named + ": module family '" + family
                        + "' runs code; torch.load would import and call it");
            }
            case UNKNOWN -> {
                unsafe = true;
                report.add(ScanRule.UNKNOWN_GLOBAL, where, named + ": outside the allowlist (torch's weights_only "
                        + "globals); torch.load would import it and may call it");
            }
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
