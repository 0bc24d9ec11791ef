package io.ptsafe.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code ptsafe completion}: prints the bash (and zsh, through bashcompinit) completion script picocli's
 * {@link AutoComplete} generates from the command line itself, for installs without the distribution's
 * {@code share/bash-completion} (the executable jar): {@code source <(ptsafe completion)}. The
 * distribution ships the same script, written at build time.
 */
final class CompletionCommand implements Callable<Integer> {
    private CommandSpec spec;

    CommandSpec spec() {
        spec = CommandSpec.wrapWithoutInspection(this);
        spec.name("completion").version(Cli.VERSION);
        spec.usageMessage().description("Print the bash completion script of ptsafe (zsh: after autoload -U "
                + "bashcompinit && bashcompinit), e.g. source <(ptsafe completion). The distribution installs the "
                + "same script as share/bash-completion/completions/ptsafe.")
                .footerHeading("%nExit codes:%n").footer(ExitCodes.FOOTER);
        Cli.helpOptions(spec);
        return spec;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.print(AutoComplete.bash("ptsafe", spec.commandLine().getParent()));
        out.flush();
        return ExitCodes.OK;
    }
}
