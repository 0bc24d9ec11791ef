package io.ptsafe.cli;

import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReport.Verdict;
import io.ptsafe.scan.ScanReports;
import io.ptsafe.scan.TreeScan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code ptsafe scan [--json|--sarif] PATH...}: a verdict for each file without loading it, through
 * {@link SafeLoader#scanTree}: folders walked (hidden ones too), links followed, archives opened; a
 * file found by walking that is no model file (config.json, README.md) is listed with the reason,
 * while a file named on the command line always counts. Exit codes: {@link ExitCodes}.
 */
final class ScanCommand implements Callable<Integer> {
    private final PositionalParamSpec paths = PositionalParamSpec.builder().index("0..*").paramLabel("PATH")
            .type(List.class).auxiliaryTypes(String.class).arity("1..*").required(true)
            .description("Files, folders or archives to scan: folders are walked (hidden files too), links followed, "
                    + "archives (zip, tar, .tar.gz, .tar.bz2, .tar.xz) opened; see docs/scanning.md.").build();
    private final OptionSpec json = OptionSpec.builder("--json").type(boolean.class).initialValue(false)
            .description("Write the reports as JSON (schema: docs/scan-report.schema.json).").build();
    private final OptionSpec sarif = OptionSpec.builder("--sarif").type(boolean.class).initialValue(false)
            .description("Write the reports as SARIF 2.1.0, for code-scanning tools.").build();
    private final OptionSpec crc = OptionSpec.builder("--crc").type(boolean.class).initialValue(false)
            .description("Check the CRC-32 of every zip record (reads all tensor data once); by default only the "
                    + "records the scan reads anyway are checked.").build();
    private final OptionSpec inert = OptionSpec.builder("--inert").paramLabel("GLOBAL").type(List.class)
            .auxiliaryTypes(String.class).description("A global (module.qualname) to decode as inert data, e.g. "
                    + "argparse.Namespace; repeatable. Code-execution families are refused.").build();
    private final OptionSpec limit = LimitOption.create();
    private final OptionSpec torchscript = TorchScriptOption.create();
    private CommandSpec spec;

    CommandSpec spec() {
        spec = CommandSpec.wrapWithoutInspection(this);
        spec.name("scan").version(Cli.VERSION);
        spec.usageMessage().description("Scan model files without loading them: SAFE (nothing would run code and "
                + "ptsafe loads it), UNSAFE (something would execute code, or is outside the allowlist) or INVALID "
                + "(malformed, truncated, over a limit, or a container ptsafe does not load), with every finding "
                + "located by zip entry and byte offset.")
                .footerHeading("%nExit codes:%n")
                .footer(ExitCodes.FOOTER);
        spec.addOption(json);
        spec.addOption(sarif);
        spec.addOption(crc);
        spec.addOption(inert);
        spec.addOption(limit);
        spec.addOption(torchscript);
        Cli.helpOptions(spec);
        spec.addPositional(paths);
        return spec;
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if ((boolean) json.getValue() && (boolean) sarif.getValue()) {
            err.println("ptsafe scan: --json and --sarif cannot be combined");
            return ExitCodes.USAGE;
        }
        LoadOptions options;
        try {
            options = options();
        } catch (IllegalArgumentException e) {
            err.println("ptsafe scan: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        List<Path> roots = new ArrayList<>();
        for (String arg : (List<String>) paths.getValue()) {
            roots.add(Path.of(arg));
        }
        TreeScan tree = SafeLoader.scanTree(roots, options);
        if ((boolean) json.getValue() || (boolean) sarif.getValue()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            if ((boolean) json.getValue()) {
                ScanReports.writeJson(tree, bytes);
            } else {
                ScanReports.writeSarif(tree, bytes);
            }
            out.println(bytes.toString(StandardCharsets.UTF_8));
        } else {
            text(out, tree);
        }
        out.flush();
        if (tree.scannedNothing()) {
            err.println("ptsafe scan: no model file found under " + String.join(", ", (List<String>) paths.getValue())
                    + (tree.skipped().isEmpty() ? "" : " (" + tree.skipped().size() + " other files, listed)"));
            err.flush();
            return ExitCodes.NOTHING_SCANNED;
        }
        return switch (tree.verdict()) {
            case SAFE -> ExitCodes.OK;
            case UNSAFE -> ExitCodes.ISSUES;
            case INVALID -> ExitCodes.ERROR;
        };
    }

    private LoadOptions options() {
        LoadOptions.Builder b = TorchScriptOption.apply(torchscript, LimitOption.apply(limit, LoadOptions.builder()));
        if ((boolean) crc.getValue()) {
            b.crcPolicy(LoadOptions.CrcPolicy.CHECK_IF_PRESENT);
        }
        List<String> names = inert.getValue();
        if (names != null) {
            b.addInertGlobals(names.toArray(String[]::new));
        }
        return b.build();
    }

    private static void text(PrintWriter out, TreeScan tree) {
        List<ScanReport> reports = tree.reports();
        int skipped = tree.skipped().size();
        int[] counts = new int[Verdict.values().length];
        for (ScanReport r : reports) {
            counts[r.verdict().ordinal()]++;
            out.printf("%-7s %s (%s%s)%n", r.verdict(), r.path(), r.container(), r.tensors()
                    .map(t -> ", " + t.count() + " tensors, " + t.bytes() + " bytes").orElse(""));
            for (ScanFinding f : r.findings()) {
                out.printf("  %s %-7s %s%s%n", f.rule().id(), f.severity(), where(f.location()),
                        Cli.oneLine(f.message()));
            }
            if (r.omittedFindings() > 0) {
                out.printf("  ... and %d more findings%n", r.omittedFindings());
            }
            if (!r.complete()) {
                out.println("  (the scan stopped early: what follows that point was not examined)");
            }
        }
        for (TreeScan.Skipped k : tree.skipped()) {
            out.printf("%-7s %s: %s%n", "-", k.location(), Cli.oneLine(k.reason()));
        }
        for (TreeScan.OutsideLink l : tree.outsideLinks()) {
            out.printf("%-7s %s -> %s (a link out of the folder given: followed and scanned)%n", "link", l.location(),
                    l.target());
        }
        out.printf("%d file%s: %d safe, %d unsafe, %d invalid%s%n", reports.size(), reports.size() == 1 ? "" : "s",
                counts[Verdict.SAFE.ordinal()], counts[Verdict.UNSAFE.ordinal()], counts[Verdict.INVALID.ordinal()],
                skipped == 0 ? "" : "; " + skipped + " other file" + (skipped == 1 ? "" : "s") + " not scanned, listed with "
                + "the reason");
    }

    private static String where(ScanFinding.Location l) {
        StringBuilder sb = new StringBuilder();
        if (l.entry() != null) {
            sb.append(l.entry());
            if (l.entryOffset() >= 0) {
                sb.append(" @").append(l.entryOffset());
            }
        }
        if (l.fileOffset() >= 0) {
            sb.append(sb.isEmpty() ? "" : " ").append("(file offset ").append(l.fileOffset()).append(')');
        }
        return sb.isEmpty() ? "" : sb.append(": ").toString();
    }
}
