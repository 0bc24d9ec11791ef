package io.ptsafe.cli;

/**
 * What {@code ptsafe} exits with: one table for every command (modelscan's convention), so that a
 * usage error never shares a code with a verdict. Documented in docs/scanning.md (the one table the
 * other docs link to); {@link FailOn} decides which findings fail a scan.
 *
 * <pre>
 * 0  done: every file scanned is SAFE, or nothing --fail-on selects (scan); inspect, convert, verify, limits succeeded
 * 1  issues found: a file is UNSAFE, as --fail-on selects (scan); the files differ (verify)
 * 2  error: a file is INVALID and none UNSAFE, as --fail-on selects (scan); a file was refused, or could not be
 *    read or written
 * 3  nothing scanned: the paths held no model file (scan)
 * 4  usage error: the command line was wrong
 * 70 a bug in ptsafe
 * </pre>
 */
final class ExitCodes {
    /** Done: every file SAFE, or the command succeeded. */
    static final int OK = 0;
    /** Issues found: a file is UNSAFE, or {@code verify} found differences. */
    static final int ISSUES = 1;
    /** A file is INVALID, was refused, or could not be read or written. */
    static final int ERROR = 2;
    /** {@code scan} found no model file to scan. */
    static final int NOTHING_SCANNED = 3;
    /** The command line was wrong. */
    static final int USAGE = 4;
    /** A bug in ptsafe. */
    static final int INTERNAL = 70;

    /** The table, for help footers. */
    static final String[] FOOTER = {
        "  0  done (scan: every file SAFE, or nothing that --fail-on selects)",
        "  1  issues found (scan: an UNSAFE file, as --fail-on selects; verify: the files",
        "     differ)",
        "  2  error (scan: an INVALID file and none UNSAFE, as --fail-on selects; any",
        "     command: a file refused, or that could not be read or written)",
        "  3  nothing scanned (scan: the paths held no model file)",
        "  4  usage error (the command line, or the --config policy file)",
        " 70  a bug in ptsafe"};

    private ExitCodes() {
    }
}
