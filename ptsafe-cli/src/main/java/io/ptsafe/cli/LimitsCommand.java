package io.ptsafe.cli;

import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code ptsafe limits [--limit NAME=VALUE]...}: every limit ({@link Limit}), its default, the value in
 * effect and what it bounds.
 */
final class LimitsCommand implements Callable<Integer> {
    private final OptionSpec limit = LimitOption.create();
    private CommandSpec spec;

    CommandSpec spec() {
        spec = CommandSpec.wrapWithoutInspection(this);
        spec.name("limits").version(Cli.VERSION);
        spec.usageMessage().description("List the limits on what a file may hold: each setting, its default, "
                + "the value in effect with the --limit options given (as inspect, convert, verify and scan take "
                + "them) and what it bounds. A file over a limit is refused with the setting's name.")
                .footerHeading("%nExit codes:%n").footer(ExitCodes.FOOTER);
        spec.addOption(limit);
        Cli.helpOptions(spec);
        return spec;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        LoadOptions effective = LimitOption.options(limit);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"SETTING", "DEFAULT", "VALUE", "WHAT IT BOUNDS"});
        for (String name : LoadOptions.limitNames()) {
            Limit l = Limit.named(name);
            rows.add(new String[] {name, Long.toString(l.defaultValue()), Long.toString(effective.limit(l)),
                    l.description()});
        }
        Table.print(rows, out);
        out.flush();
        return ExitCodes.OK;
    }
}
