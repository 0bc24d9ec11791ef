package io.ptsafe.scan;

import java.util.Objects;
import io.ptsafe.PtsafeException;

/**
 * One thing a scan found in a file: which rule, how serious, where, and a message naming the
 * value seen.
 *
 * @param rule     the rule from the catalog
 * @param severity {@link Severity#ERROR} findings decide the verdict; warnings and notes do not
 * @param location where in the file
 * @param message  what was found, for people
 */
public record ScanFinding(ScanRule rule, Severity severity, Location location, String message) {

    /**
     * Checks the components.
     *
     * @throws NullPointerException if any component is null
     */
    public ScanFinding {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(message, "message");
    }

    /**
     * {@return a finding of the rule's default severity}
     *
     * @param rule     the rule from the catalog
     * @param location where in the file
     * @param message  what was found, for people
     */
    public static ScanFinding of(ScanRule rule, Location location, String message) {
        return new ScanFinding(rule, rule.defaultSeverity(), location, message);
    }

    /**
     * {@return the finding of a refusal: its reason's rule, its message (without the file's name: the report has it)}
     *
     * @param refusal  the refusal, whose {@link PtsafeException#reason()} picks the rule
     * @param location where in the file the refusal was made
     */
    public static ScanFinding of(PtsafeException refusal, Location location) {
        String message = refusal.getMessage();
        String prefix = refusal.file() == null ? null : refusal.file() + ": ";
        if (prefix != null && message.startsWith(prefix)) {
            message = message.substring(prefix.length());
        }
        return of(ScanRule.of(refusal.reason()), location, message);
    }

    /** {@return the verdict this finding gives its file on its own} */
    public ScanReport.Verdict effect() {
        return severity == Severity.ERROR ? rule.effect() : ScanReport.Verdict.SAFE;
    }

    /** How serious a finding is (SARIF's levels). */
    public enum Severity {
        /** Decides the verdict (the rule's {@link ScanRule#effect()}). */
        ERROR,
        /** Worth a look; the file is still what the other findings say. */
        WARNING,
        /** For the record. */
        NOTE
    }

    /**
     * Where a finding is: a zip entry (or pickle of a stream) and byte offsets, each unknown when
     * absent.
     *
     * @param entry       the zip entry ({@code archive/data.pkl}) or part of the file ({@code "pickle 3"}), or null
     * @param entryOffset byte offset inside {@code entry}, or -1
     * @param fileOffset  byte offset from the start of the file, or -1
     */
    public record Location(String entry, long entryOffset, long fileOffset) {
        /** The whole file. */
        public static final Location FILE = new Location(null, -1, -1);

        /**
         * Checks the offsets.
         *
         * @throws IllegalArgumentException if an offset is below -1
         */
        public Location {
            if (entryOffset < -1 || fileOffset < -1) {
                throw new IllegalArgumentException("offsets are -1 (unknown) or at least 0: " + entryOffset + ", "
                        + fileOffset);
            }
        }

        /**
         * {@return a byte offset of the file}
         *
         * @param fileOffset byte offset from the start of the file, or -1
         */
        public static Location at(long fileOffset) {
            return new Location(null, -1, fileOffset);
        }

        /**
         * {@return a whole entry whose data starts at {@code fileOffset} (or -1)}
         *
         * @param entry      the zip entry or part of the file
         * @param fileOffset where the entry's data starts in the file, or -1 when its bytes are not
         *                   the file's (an inflated record)
         */
        public static Location entry(String entry, long fileOffset) {
            return new Location(entry, fileOffset < 0 ? -1 : 0, fileOffset);
        }

        /**
         * Byte {@code offset} of an entry whose data starts at {@code entryStart} in the file (or -1
         * when the entry's bytes are not the file's: an inflated record).
         *
         * @param entry      the zip entry or part of the file
         * @param offset     byte offset inside the entry's data, or -1
         * @param entryStart where the entry's data starts in the file, or -1
         * @return the location; its file offset is -1 when either offset is
         */
        public static Location inEntry(String entry, long offset, long entryStart) {
            return new Location(entry, offset, entryStart < 0 || offset < 0 ? -1 : entryStart + offset);
        }
    }
}
