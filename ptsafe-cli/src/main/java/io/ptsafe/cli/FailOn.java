package io.ptsafe.cli;

import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What makes {@code ptsafe scan} fail ({@code --fail-on}, the policy's {@code failOn}): the kinds of
 * finding a file can have, each of which a team may or may not want to stop a build. The default,
 * {@code unsafe,unknown-global,invalid}, fails on every verdict other than SAFE; leaving out
 * {@code unknown-global} keeps globals outside the allowlist as findings in the report without
 * failing; {@code warning} also fails on warnings; {@code none} only reports.
 */
enum FailOn {
    /** A global from a code-execution family, an opcode or call only useful to run code (PTS100, PTS102, PTS103). */
    UNSAFE("a global from a code-execution family, or an opcode or call only useful to run code (PTS100, PTS102, "
            + "PTS103)"),
    /** A global outside the allowlist that is in no known code-execution family (PTS101). */
    UNKNOWN_GLOBAL("a global outside the allowlist, in no known code-execution family (PTS101)"),
    /** A malformed, truncated, over-limit or unloadable file (INVALID). */
    INVALID("a file that is malformed, truncated, over a limit, or a container ptsafe does not load (INVALID)"),
    /** A finding of severity WARNING (an unreferenced record, an entry torch does not read, a CRC mismatch). */
    WARNING("a warning: a record no tensor uses, an entry torch.load does not read, a CRC-32 mismatch");

    /** The default: every verdict other than SAFE fails. */
    static final Set<FailOn> DEFAULT = EnumSet.of(UNSAFE, UNKNOWN_GLOBAL, INVALID);

    private final String description;

    FailOn(String description) {
        this.description = description;
    }

    /** {@return the name on the command line and in the policy file: {@code unknown-global}} */
    String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    String description() {
        return description;
    }

    /**
     * {@return the set a comma-separated list names; {@code none} alone is the empty set}
     *
     * @throws IllegalArgumentException naming the value that is none of them
     */
    static Set<FailOn> parse(List<String> values) {
        Set<FailOn> out = EnumSet.noneOf(FailOn.class);
        boolean none = false;
        for (String v : values) {
            for (String part : v.split(",", -1)) {
                String p = part.strip();
                if (p.equals("none")) {
                    none = true;
                    continue;
                }
                out.add(named(p));
            }
        }
        if (none && !out.isEmpty()) {
            throw new IllegalArgumentException("'none' cannot be combined with " + labels(out));
        }
        return out;
    }

    static FailOn named(String label) {
        for (FailOn f : values()) {
            if (f.label().equals(label)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown fail-on value '" + label + "'; the values are: " + known());
    }

    static String known() {
        List<String> all = new ArrayList<>();
        for (FailOn f : values()) {
            all.add(f.label());
        }
        all.add("none");
        return String.join(", ", all);
    }

    static String labels(Set<FailOn> set) {
        if (set.isEmpty()) {
            return "none";
        }
        List<String> out = new ArrayList<>();
        set.forEach(f -> out.add(f.label()));
        return String.join(",", out);
    }

    /**
     * {@return the kinds of finding a report has}. Fails closed: an UNSAFE verdict that the listed
     * findings do not explain (findings over {@link ScanReport#MAX_FINDINGS} are counted, not listed)
     * counts as {@link #UNSAFE}, an INVALID one as {@link #INVALID}.
     */
    static Set<FailOn> of(ScanReport r) {
        Set<FailOn> found = EnumSet.noneOf(FailOn.class);
        for (ScanFinding f : r.findings()) {
            if (f.severity() == ScanFinding.Severity.WARNING) {
                found.add(WARNING);
            }
            switch (f.effect()) {
                case UNSAFE -> found.add(f.rule() == ScanRule.UNKNOWN_GLOBAL ? UNKNOWN_GLOBAL : UNSAFE);
                case INVALID -> found.add(INVALID);
                case SAFE -> { }
            }
        }
        if (r.verdict() == ScanReport.Verdict.UNSAFE && (r.omittedFindings() > 0
                || !found.contains(UNSAFE) && !found.contains(UNKNOWN_GLOBAL))) {
            found.add(UNSAFE);
        }
        if (r.verdict() == ScanReport.Verdict.INVALID) {
            found.add(INVALID);
        }
        return found;
    }

    /**
     * {@return the exit code of a scan whose files have the kinds {@code found}, failing on {@code failOn}}:
     * {@link ExitCodes#ISSUES} for unsafe or unknown globals (or warnings alone), {@link ExitCodes#ERROR}
     * for invalid files alone, else {@link ExitCodes#OK}.
     */
    static int exitCode(Set<FailOn> found, Set<FailOn> failOn) {
        Set<FailOn> failing = EnumSet.noneOf(FailOn.class);
        failing.addAll(found);
        failing.retainAll(failOn);
        if (failing.contains(UNSAFE) || failing.contains(UNKNOWN_GLOBAL)) {
            return ExitCodes.ISSUES;
        }
        if (failing.contains(INVALID)) {
            return ExitCodes.ERROR;
        }
        return failing.contains(WARNING) ? ExitCodes.ISSUES : ExitCodes.OK;
    }
}
