package io.ptsafe.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/** {@code ptsafe inspect [--json] [--hash] [--limit NAME=VALUE]... PATH}: what a file holds, without running anything in it. */
final class InspectCommand implements Callable<Integer> {
    private final OptionSpec json = OptionSpec.builder("--json").type(boolean.class).initialValue(false)
            .description("Print JSON: {\"format\", \"metadata\", \"tensors\": [{\"name\", \"dtype\", \"shape\", "
                    + "\"bytes\", \"sha256\", \"quantization\"}]}; quantization (quantized tensors only): "
                    + "{\"scheme\", \"scale\", \"zero_point\"} or {\"scheme\", \"axis\", \"channels\", \"scales\", "
                    + "\"zero_points\"} (the lists up to " + QuantizationJson.MAX_LISTED_CHANNELS + " channels).").build();
    private final OptionSpec hash = OptionSpec.builder("--hash").type(boolean.class).initialValue(false)
            .description("Add the SHA-256 of each tensor's contiguous little-endian row-major bytes.").build();
    private final PositionalParamSpec path = PositionalParamSpec.builder().paramLabel("PATH").type(String.class)
            .arity("1").required(true).description("A safetensors file, a torch checkpoint (zip or legacy), or a sharded "
                    + "checkpoint's index JSON (or its folder).").build();
    private final OptionSpec limit = LimitOption.create();
    private final OptionSpec torchscript = TorchScriptOption.create();
    private CommandSpec spec;

    CommandSpec spec() {
        spec = CommandSpec.wrapWithoutInspection(this);
        spec.name("inspect").version(Cli.VERSION);
        spec.usageMessage().description("Print a file's format, metadata and tensors (name, dtype, shape, bytes).")
                .footerHeading("%nExit codes:%n").footer(ExitCodes.FOOTER);
        spec.addOption(json);
        spec.addOption(hash);
        spec.addOption(limit);
        spec.addOption(torchscript);
        Cli.helpOptions(spec);
        spec.addPositional(path);
        return spec;
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        boolean withHash = hash.getValue();
        try (TensorFile f = SafeLoader.open(Path.of((String) path.getValue()), TorchScriptOption.options(limit, torchscript))) {
            List<String> hashes = new ArrayList<>();
            if (withHash) {
                for (Tensor t : f.tensors()) {
                    hashes.add(Hashing.sha256(t));
                }
            }
            if (json.<Boolean>getValue()) {
                writeJson(f, hashes, out);
            } else {
                writeTable(f, hashes, out);
            }
        }
        out.flush();
        return ExitCodes.OK;
    }

    private static void writeJson(TensorFile f, List<String> hashes, PrintWriter out) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("format", f.format().name());
            g.writeObjectFieldStart("metadata");
            for (Map.Entry<String, String> m : f.metadata().entrySet()) {
                g.writeStringField(m.getKey(), m.getValue());
            }
            g.writeEndObject();
            g.writeArrayFieldStart("tensors");
            List<Tensor> tensors = f.tensors();
            for (int i = 0; i < tensors.size(); i++) {
                Tensor t = tensors.get(i);
                g.writeStartObject();
                g.writeStringField("name", t.name());
                g.writeStringField("dtype", t.dtype().name());
                g.writeArrayFieldStart("shape");
                for (long d : t.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeNumberField("bytes", t.byteSize());
                if (!hashes.isEmpty()) {
                    g.writeStringField("sha256", hashes.get(i));
                }
                if (t.quantization().isPresent()) {
                    g.writeFieldName("quantization");
                    QuantizationJson.write(t.quantization().get(), g);
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        out.println();
    }

    private static void writeTable(TensorFile f, List<String> hashes, PrintWriter out) throws PtsafeException {
        List<Tensor> tensors = f.tensors();
        long total = tensors.stream().mapToLong(Tensor::byteSize).sum();
        out.printf(Locale.ROOT, "file      %s%n", f.path());
        out.printf(Locale.ROOT, "format    %s%n", f.format());
        out.printf(Locale.ROOT, "tensors   %d (%d bytes)%n", tensors.size(), total);
        if (f.metadata().isEmpty()) {
            out.println("metadata  (none)");
        } else {
            out.println("metadata");
            f.metadata().forEach((k, v) -> out.printf(Locale.ROOT, "  %s: %s%n", k, v));
        }
        if (tensors.isEmpty()) {
            return;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(hashes.isEmpty() ? new String[] {"NAME", "DTYPE", "SHAPE", "BYTES"}
                : new String[] {"NAME", "DTYPE", "SHAPE", "BYTES", "SHA256"});
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            String[] row = {t.name(), t.dtype().name(), Arrays.toString(t.shape()), Long.toString(t.byteSize())};
            if (!hashes.isEmpty()) {
                row = Arrays.copyOf(row, 5);
                row[4] = hashes.get(i);
            }
            rows.add(row);
        }
        out.println();
        Table.print(rows, out);
    }
}
