package io.ptsafe.cli;

import java.io.PrintWriter;

/** Entry point of {@code ptsafe.jar}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = Cli.create(out, err, Terminal.stderrIsTerminal()).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
