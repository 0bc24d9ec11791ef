package io.ptsafe.cli;

import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code ptsafe verify [--limit NAME=VALUE]... A B}: the same tensors (names, dtypes, shapes, bytes) in two files. */
final class VerifyCommand implements Callable<Integer> {
    private final PositionalParamSpec a = PositionalParamSpec.builder().index("0").paramLabel("A").type(String.class)
            .arity("1").required(true).description("A file ptsafe reads (e.g. the .pt).").build();
    private final PositionalParamSpec b = PositionalParamSpec.builder().index("1").paramLabel("B").type(String.class)
            .arity("1").required(true).description("Another (e.g. its conversion).").build();
    private final OptionSpec select = OptionSpec.builder("--select").paramLabel("KEY").type(String.class)
            .description("Compare only A's tensors under KEY, named without the prefix (as convert --select).")
            .build();
    private final OptionSpec limit = LimitOption.create();
    private final OptionSpec torchscript = TorchScriptOption.create();
    private CommandSpec spec;

    CommandSpec spec() {
        spec = CommandSpec.wrapWithoutInspection(this);
        spec.name("verify").version(Cli.VERSION);
        spec.usageMessage().description("Check that two files hold the same tensors: names, dtypes, shapes and "
                + "bytes. A top-level state_dict is unwrapped, and a name a conversion removed as an alias of a tied "
                + "tensor (recorded in __metadata__) is compared with the tensor it names. Exits 1 on a difference.")
                .footerHeading("%nExit codes:%n").footer(ExitCodes.FOOTER);
        spec.addOption(select);
        spec.addOption(limit);
        spec.addOption(torchscript);
        Cli.helpOptions(spec);
        spec.addPositional(a);
        spec.addPositional(b);
        return spec;
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path pa = Path.of((String) a.getValue());
        Path pb = Path.of((String) b.getValue());
        LoadOptions options = TorchScriptOption.options(limit, torchscript);
        try (TensorFile fa = SafeLoader.open(pa, options); TensorFile fb = SafeLoader.open(pb, options)) {
            FileComparison.Result r = FileComparison.compare(fa, select.getValue(), fb);
            List<String> diffs = r.differences();
            if (diffs.isEmpty()) {
                out.printf("same: %d tensors (%d compared through aliases)%n", r.compared(), r.throughAliases());
                out.flush();
                return ExitCodes.OK;
            }
            out.printf("%d difference%s between %s and %s:%n", diffs.size(), diffs.size() == 1 ? "" : "s", pa, pb);
            diffs.forEach(d -> out.println("  " + d));
            out.flush();
            return ExitCodes.ISSUES;
        }
    }
}
