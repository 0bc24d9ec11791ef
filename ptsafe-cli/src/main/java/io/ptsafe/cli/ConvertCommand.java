package io.ptsafe.cli;

import io.ptsafe.ByteSize;
import io.ptsafe.safetensors.ConversionReport;
import io.ptsafe.safetensors.SafetensorsConverter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code ptsafe convert IN OUT [--select KEY] [--max-shard-size SIZE] [--json] [--limit NAME=VALUE]...}. */
final class ConvertCommand implements Callable<Integer> {
    private final boolean progress;
    private final PositionalParamSpec in = PositionalParamSpec.builder().index("0").paramLabel("IN").type(String.class)
            .arity("1").required(true).description("A torch checkpoint (zip or legacy), a sharded checkpoint's index, a "
                    + "safetensors file, or a TorchScript archive (with --allow-torchscript-weights).").build();
    private final PositionalParamSpec out = PositionalParamSpec.builder().index("1").paramLabel("OUT")
            .type(String.class).arity("1").required(true).description("The safetensors file to write (or a folder, to write "
                    + "model.safetensors in it). Sharded output goes beside it: <stem>-00001-of-0000N.safetensors "
                    + "and <stem>.safetensors.index.json.").build();
    private final OptionSpec select = OptionSpec.builder("--select").paramLabel("KEY").type(String.class)
            .converters(ConvertCommand::dottedName).description("Convert only the tensors under KEY (e.g. model), named without the prefix. A top-level "
                    + "state_dict is unwrapped first.").build();
    private final OptionSpec maxShard = OptionSpec.builder("--max-shard-size").paramLabel("SIZE").type(long.class)
            .converters(ByteSize::parse).description("Split the output into shards of at most SIZE tensor bytes "
                    + "(5GB = 5*10^9, 5GiB = 5*2^30, or bytes).").build();
    private final OptionSpec prefer = OptionSpec.builder("--prefer").paramLabel("NAME").type(String[].class)
            .auxiliaryTypes(String.class).description("When tensors share storage, keep this name (repeatable).")
            .build();
    private final OptionSpec discard = OptionSpec.builder("--discard").paramLabel("NAME").type(String[].class)
            .auxiliaryTypes(String.class).description("When tensors share storage, do not keep this name if "
                    + "another will do (repeatable; e.g. a model's tied weight keys).").build();
    private final OptionSpec json = OptionSpec.builder("--json").type(boolean.class).initialValue(false)
            .description("Print the report as JSON.").build();
    private final OptionSpec limit = LimitOption.create();
    private final OptionSpec torchscript = TorchScriptOption.create();
    private CommandSpec spec;

    ConvertCommand(boolean progress) {
        this.progress = progress;
    }

    CommandSpec spec() {
        spec = CommandSpec.wrapWithoutInspection(this);
        spec.name("convert").version(Cli.VERSION);
        spec.usageMessage().description("Convert a checkpoint to safetensors: tied weights written once (recorded "
                + "in __metadata__), non-tensor entries listed, the output read back and compared byte for byte "
                + "before it replaces anything. A TorchScript archive (with --allow-torchscript-weights) gives its weights "
                + "only, and __metadata__ says its code was dropped.")
                .footerHeading("%nExit codes:%n").footer(ExitCodes.FOOTER);
        for (OptionSpec o : List.of(select, maxShard, prefer, discard, json, limit, torchscript)) {
            spec.addOption(o);
        }
        Cli.helpOptions(spec);
        spec.addPositional(in);
        spec.addPositional(out);
        return spec;
    }

    @Override
    public Integer call() throws IOException {
        CommandLine cl = spec.commandLine();
        PrintWriter stdout = cl.getOut();
        SafetensorsConverter.Builder b = SafetensorsConverter.builder()
                .preferredNames(names(prefer))
                .discardNames(names(discard))
                .loadOptions(TorchScriptOption.options(limit, torchscript));
        b.select(select.getValue());
        Long max = maxShard.getValue();
        if (max != null) {
            b.maxShardSize(max);
        }
        ProgressBar bar = progress ? new ProgressBar(cl.getErr(), "converting") : null;
        if (bar != null) {
            b.progress(bar);
        }
        ConversionReport report;
        try {
            report = b.build().convert(Path.of((String) in.getValue()), Path.of((String) out.getValue()));
        } finally {
            if (bar != null) {
                bar.clear();
            }
        }
        if (json.<Boolean>getValue()) {
            report.writeJson(stdout);
            stdout.println();
        } else {
            stdout.print(report.toTable());
        }
        stdout.flush();
        return ExitCodes.OK;
    }

    private static Set<String> names(OptionSpec o) {
        String[] v = o.getValue();
        return v == null ? Set.of() : Set.copyOf(Arrays.asList(v));
    }

    private static String dottedName(String key) {
        if (key.isEmpty() || key.startsWith(".") || key.endsWith(".")) {
            throw new CommandLine.TypeConversionException("'" + key + "' is not a dotted name such as model.encoder");
        }
        return key;
    }
}
