package io.ptsafe.cli;

/** What {@code ptsafe} exits with. */
final class ExitCodes {
    /** Done. */
    static final int OK = 0;
    /** {@code verify} found differences. */
    static final int DIFFERENT = 1;
    /** The command line was wrong (picocli's convention). */
    static final int USAGE = 2;
    /** A file was refused, or could not be read or written. */
    static final int REFUSED = 3;
    /** A bug in ptsafe. */
    static final int INTERNAL = 70;

    private ExitCodes() {
    }
}
