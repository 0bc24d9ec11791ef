package io.ptsafe.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the {@code ptsafe} command in this JVM (the Cli is package-private; Main would exit the JVM). */
public final class InProcessCli {
    private InProcessCli() {
    }

    /** The command's output and exit code. */
    public record Result(int exitCode, String out, String err) {
    }

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Cli.create(new PrintWriter(out, true), new PrintWriter(err, true), false).execute(args);
        return new Result(code, out.toString(), err.toString());
    }
}
