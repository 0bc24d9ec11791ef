package io.ptsafe.cli;

import java.io.Console;

/** Whether progress may be drawn: only for a person watching a terminal. */
final class Terminal {
    private Terminal() {
    }

    /**
     * True when the JVM is attached to a terminal. Java cannot ask about stderr alone; a console
     * that is a terminal means the standard streams were not redirected to files or pipes.
     */
    static boolean stderrIsTerminal() {
        Console c = System.console();
        return c != null && c.isTerminal();
    }
}
