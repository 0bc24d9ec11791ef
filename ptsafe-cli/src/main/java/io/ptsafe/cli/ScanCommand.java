package io.ptsafe.cli;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import io.ptsafe.ScanFinding;
import io.ptsafe.ScanReport;
import io.ptsafe.ScanReport.Verdict;
import io.ptsafe.ScanReports;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code ptsafe scan [--json|--sarif] PATH...}: a verdict for each file without loading it. Folders
 * are walked (hidden folders skipped); a file found by walking that is no format ptsafe knows
 * (config.json, README.md) is left out, while a file named on the command line always counts.
 * Exit codes: 0 all SAFE, 1 any UNSAFE, 2 any INVALID and none UNSAFE (2 is also a usage error).
 */
final class ScanCommand implements Callable<Integer> {
    static final int UNSAFE = 1;
    static final int INVALID = 2;

    private final PositionalParamSpec paths = PositionalParamSpec.builder().index("0..*").paramLabel("PATH")
            .type(List.class).auxiliaryTypes(String.class).arity("1..*").required(true)
            .description("Files or folders to scan (folders are walked).").build();
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
    private CommandSpec spec;

    CommandSpec spec() {
        spec = CommandSpec.wrapWithoutInspection(this);
        spec.name("scan").version(Cli.VERSION);
        spec.usageMessage().description("Scan model files without loading them: SAFE (nothing would run code and "
                + "ptsafe loads it), UNSAFE (something would execute code, or is outside the allowlist) or INVALID "
                + "(malformed, truncated, over a limit, or a container ptsafe does not load), with every finding "
                + "located by zip entry and byte offset.")
                .footerHeading("%nExit codes:%n")
                .footer("  0  every file is SAFE", "  1  a file is UNSAFE", "  2  a file is INVALID and none is UNSAFE "
                        + "(or a usage error)", "  3  a file could not be written");
        spec.addOption(json);
        spec.addOption(sarif);
        spec.addOption(crc);
        spec.addOption(inert);
        spec.addOption(limit);
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
        List<ScanReport> reports = new ArrayList<>();
        int skipped = 0;
        List<String> given = paths.getValue();
        for (String arg : given) {
            Path p = Path.of(arg);
            if (Files.isDirectory(p)) {
                for (Path f : walk(p)) {
                    ScanReport r = SafeLoader.scan(f, options);
                    if (r.container() == ContainerKind.UNKNOWN && r.complete()) {
                        skipped++;
                    } else {
                        reports.add(r);
                    }
                }
            } else {
                reports.add(SafeLoader.scan(p, options));
            }
        }
        if ((boolean) json.getValue() || (boolean) sarif.getValue()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            if ((boolean) json.getValue()) {
                ScanReports.writeJson(reports, bytes);
            } else {
                ScanReports.writeSarif(reports, bytes);
            }
            out.println(bytes.toString(StandardCharsets.UTF_8));
        } else {
            text(out, reports, skipped);
        }
        out.flush();
        return switch (ScanReports.worst(reports)) {
            case SAFE -> ExitCodes.OK;
            case UNSAFE -> UNSAFE;
            case INVALID -> INVALID;
        };
    }

    private LoadOptions options() {
        LoadOptions.Builder b = LimitOption.apply(limit, LoadOptions.builder());
        if ((boolean) crc.getValue()) {
            b.crcPolicy(LoadOptions.CrcPolicy.CHECK_IF_PRESENT);
        }
        List<String> names = inert.getValue();
        if (names != null) {
            b.addInertGlobals(names.toArray(String[]::new));
        }
        return b.build();
    }

    /** Regular files under {@code dir}, sorted; hidden folders (.git, .cache) are not entered. */
    private static List<Path> walk(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                boolean hidden = !d.equals(dir) && d.getFileName().toString().startsWith(".");
                return hidden ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                if (Files.isRegularFile(f)) {
                    files.add(f);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
                files.add(f); // scanned, it reports the I/O error
                return FileVisitResult.CONTINUE;
            }
        });
        files.sort(null);
        return files;
    }

    private static void text(PrintWriter out, List<ScanReport> reports, int skipped) {
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
        out.printf("%d file%s: %d safe, %d unsafe, %d invalid%s%n", reports.size(), reports.size() == 1 ? "" : "s",
                counts[Verdict.SAFE.ordinal()], counts[Verdict.UNSAFE.ordinal()], counts[Verdict.INVALID.ordinal()],
                skipped == 0 ? "" : " (" + skipped + " other file" + (skipped == 1 ? "" : "s") + " skipped)");
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
