package io.ptsafe.cli;

import io.ptsafe.LimitExceededException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.NoSuchElementException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ScopeType;

/**
 * Builds the {@code ptsafe} command line with picocli's programmatic API, and turns failures into
 * one line on stderr: the file and the reason ({@link io.ptsafe.PtsafeException}'s message), and
 * for a file over a limit the {@code --limit} that raises it; the stack trace only under {@code --debug}.
 *
 * <p>Exit codes: one table for every command, {@link ExitCodes}.
 */
final class Cli {
    static final String VERSION = "ptsafe 0.1.0";

    private Cli() {
    }

    /**
     * @param progress whether {@code convert} may draw a progress bar on {@code err}
     */
    static CommandLine create(PrintWriter out, PrintWriter err, boolean progress) {
        return create(out, err, progress, System.in);
    }

    /**
     * @param progress whether {@code convert} may draw a progress bar on {@code err}
     * @param stdin    what {@code scan -} reads
     */
    static CommandLine create(PrintWriter out, PrintWriter err, boolean progress, java.io.InputStream stdin) {
        CommandSpec top = CommandSpec.wrapWithoutInspection((java.util.concurrent.Callable<Integer>) () -> {
            err.println("ptsafe: missing command (inspect, convert, verify, scan, limits, completion); see ptsafe --help");
            return ExitCodes.USAGE;
        });
        top.name("ptsafe").version(VERSION);
        top.usageMessage()
                .description("Reads PyTorch and safetensors model weights without ever running code.")
                .footerHeading("%nExit codes:%n")
                .footer(ExitCodes.FOOTER);
        helpOptions(top);
        top.addOption(OptionSpec.builder("--debug").type(boolean.class).initialValue(false).scopeType(ScopeType.INHERIT)
                .description("Print the stack trace of a failure.").build());

        CommandLine cl = new CommandLine(top);
        cl.addSubcommand("inspect", new CommandLine(new InspectCommand().spec()));
        cl.addSubcommand("convert", new CommandLine(new ConvertCommand(progress).spec()));
        cl.addSubcommand("verify", new CommandLine(new VerifyCommand().spec()));
        cl.addSubcommand("scan", new CommandLine(new ScanCommand(stdin).spec()));
        cl.addSubcommand("limits", new CommandLine(new LimitsCommand().spec()));
        cl.addSubcommand("completion", new CommandLine(new CompletionCommand().spec()));
        // picocli's own usage errors exit 2 by default: ptsafe's table gives 2 to INVALID files
        cl.getCommandSpec().exitCodeOnInvalidInput(ExitCodes.USAGE);
        cl.getSubcommands().values().forEach(c -> c.getCommandSpec().exitCodeOnInvalidInput(ExitCodes.USAGE));
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter e = commandLine.getErr();
            boolean debug = parseResult.hasMatchedOption("--debug")
                    || parseResult.subcommands().stream().anyMatch(s -> s.hasMatchedOption("--debug"));
            int code;
            // Reads report a file changed on disk unchecked, wrapping the refusal.
            Throwable failure = ex instanceof UncheckedIOException u ? u.getCause() : ex;
            if (failure instanceof IOException io) {
                e.println("ptsafe: " + oneLine(io.getMessage() == null ? io.toString() : io.getMessage()) + limitHint(io));
                code = ExitCodes.ERROR;
            } else if (failure instanceof NoSuchElementException || failure instanceof UnsupportedOperationException) {
                // --select naming nothing, a tensor too large to hash or copy: what was asked cannot be done.
                e.println("ptsafe: " + oneLine(String.valueOf(failure.getMessage())));
                code = ExitCodes.ERROR;
            } else {
                e.println("ptsafe: internal error: " + oneLine(ex.toString()) + (debug ? "" : " (run with --debug for details)"));
                code = ExitCodes.INTERNAL;
            }
            if (debug) {
                ex.printStackTrace(e);
            }
            e.flush();
            return code;
        });
        return cl;
    }

    /** The standard -h/--help and -V/--version options, built without picocli's reflective mixin. */
    static void helpOptions(CommandSpec spec) {
        spec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("Show this help and exit.").build());
        spec.addOption(OptionSpec.builder("-V", "--version").versionHelp(true)
                .description("Print the version and exit.").build());
    }

    /** For a refusal over a limit, how to raise it; otherwise nothing. */
    static String limitHint(Throwable refusal) {
        for (Throwable t = refusal; t != null; t = t.getCause()) {
            if (t instanceof LimitExceededException l) {
                return "; raise it with --limit " + l.setting() + "=N";
            }
        }
        return "";
    }

    static String oneLine(String s) {
        return s.replace("\r", " ").replace("\n", " ");
    }
}
