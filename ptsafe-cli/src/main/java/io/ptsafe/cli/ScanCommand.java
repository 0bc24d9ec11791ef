package io.ptsafe.cli;

import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.FileDigest;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReports;
import io.ptsafe.scan.TreeScan;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code ptsafe scan [--json|--sarif] [--output FILE] [--fail-on ...] [--config FILE] PATH...}: a
 * verdict for each file without loading it, through {@link SafeLoader#scanTree}: folders walked
 * (hidden ones too), links followed, archives opened; a file found by walking that is no model file
 * (config.json, README.md) is listed with the reason, while a file named on the command line always
 * counts. {@code -} (or {@code /dev/stdin}) is standard input ({@link StdinSpool}). Files the policy
 * ignores are listed with its reason. The JSON and SARIF reports carry each file's size and SHA-256
 * (hashed after the scan; members of archives are not hashed). Exit codes: {@link ExitCodes},
 * as {@link FailOn} decides.
 */
final class ScanCommand implements Callable<Integer> {
    private final PositionalParamSpec paths = PositionalParamSpec.builder().index("0..*").paramLabel("PATH")
            .type(List.class).auxiliaryTypes(String.class).arity("0..*")
            .description("Files, folders or archives to scan: folders are walked (hidden files too), links followed, "
                    + "archives (zip, tar, .tar.gz, .tar.bz2, .tar.xz) opened; see docs/scanning.md. '-' or /dev/stdin "
                    + "reads standard input (reported as <stdin>, within maxArchiveMemberBytes).").build();
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
    private final OptionSpec output = OptionSpec.builder("-o", "--output").paramLabel("FILE").type(Path.class)
            .description("Write the report (text, --json or --sarif) to FILE instead of standard output, atomically "
                    + "(a temporary file in FILE's folder, renamed over it); the summary line goes to standard error.")
            .build();
    private final OptionSpec failOn = OptionSpec.builder("--fail-on").paramLabel("KIND[,KIND...]").type(List.class)
            .auxiliaryTypes(String.class).description("What fails the scan (exit 1, or 2 for invalid files alone): "
                    + "unsafe, unknown-global, invalid, warning, or none; repeatable or comma-separated. Default: "
                    + "unsafe,unknown-global,invalid (anything not SAFE). See docs/ci.md.").build();
    private final OptionSpec config = OptionSpec.builder("--config").paramLabel("FILE").type(Path.class)
            .description("A policy file (JSON, e.g. ptsafe.json): failOn, inertGlobals, limits, and paths to ignore "
                    + "with a reason; options given here win over it. See docs/ci.md.").build();
    private final OptionSpec showPolicy = OptionSpec.builder("--show-policy").type(boolean.class).initialValue(false)
            .description("Print the policy in effect (--config with the options given) as JSON and exit.").build();
    private final InputStream stdin;
    private final OptionSpec torchscript = TorchScriptOption.create();
    private CommandSpec spec;

    ScanCommand() {
        this(System.in);
    }

    /** @param stdin what {@code -} reads */
    ScanCommand(InputStream stdin) {
        this.stdin = stdin;
    }

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
        spec.addOption(output);
        spec.addOption(failOn);
        spec.addOption(config);
        spec.addOption(showPolicy);
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
        Policy policy;
        LoadOptions options;
        try {
            policy = policy();
            options = options(policy);
        } catch (IllegalArgumentException e) {
            err.println("ptsafe scan: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        if ((boolean) showPolicy.getValue()) {
            out.print(new String(PolicyFile.write(policy), StandardCharsets.UTF_8));
            out.flush();
            return ExitCodes.OK;
        }
        List<String> args = paths.getValue() == null ? List.of() : paths.getValue();
        if (args.isEmpty()) {
            err.println("ptsafe scan: missing PATH (a file, folder or archive; '-' for standard input)");
            return ExitCodes.USAGE;
        }
        if (args.stream().filter(StdinSpool::isStdin).count() > 1) {
            err.println("ptsafe scan: standard input ('-' or /dev/stdin) can be named once");
            return ExitCodes.USAGE;
        }
        StdinSpool spool = null;
        try {
            List<Path> roots = new ArrayList<>();
            for (String arg : args) {
                if (StdinSpool.isStdin(arg)) {
                    spool = StdinSpool.of(stdin, options.maxArchiveMemberBytes());
                    roots.add(spool.file());
                } else {
                    roots.add(Path.of(arg));
                }
            }
            TreeScan tree = SafeLoader.scanTree(roots, options);
            return report(out, err, args, policy, tree, spool);
        } finally {
            if (spool != null) {
                spool.close();
            }
        }
    }

    private int report(PrintWriter out, PrintWriter err, List<String> args, Policy policy, TreeScan scanned,
            StdinSpool spool) throws IOException {
        boolean machine = (boolean) json.getValue() || (boolean) sarif.getValue();
        List<ScanReport> reports = new ArrayList<>();
        List<TreeScan.Skipped> skipped = new ArrayList<>(scanned.skipped());
        Set<FailOn> found = EnumSet.noneOf(FailOn.class);
        int ignored = 0;
        if (spool != null) {
            // standard input's temporary file, and archive members in it, are named <stdin> in every report
            skipped.replaceAll(k -> new TreeScan.Skipped(spool.label(k.location()), spool.label(k.reason())));
        }
        for (ScanReport r : scanned.reports()) {
            if (spool != null && r.path().equals(spool.file())) {
                r = r.relabeled(Path.of(StdinSpool.NAME), spool.file().toString()).withDigest(spool.digest());
            } else if (spool != null && r.path().toString().startsWith(spool.file() + "!")) {
                r = r.relabeled(Path.of(spool.label(r.path().toString())), spool.file().toString());
            } else if (machine) {
                r = withDigest(r, err);
            }
            Optional<Policy.Ignore> ignore = policy.ignored(r.path().toString());
            if (ignore.isPresent()) {
                ignored++;
                skipped.add(new TreeScan.Skipped(r.path().toString(), "ignored by the policy " + policy.source() + ": "
                        + ignore.get().reason() + " (scanned " + r.verdict() + ")"));
            } else {
                reports.add(r);
                found.addAll(FailOn.of(r));
            }
        }
        TreeScan tree = new TreeScan(reports, skipped, scanned.outsideLinks());
        byte[] bytes;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        if ((boolean) json.getValue()) {
            ScanReports.writeJson(tree, buffer);
        } else if ((boolean) sarif.getValue()) {
            ScanReports.writeSarif(tree, buffer);
        } else {
            PrintWriter w = new PrintWriter(new java.io.OutputStreamWriter(buffer, StandardCharsets.UTF_8));
            ScanText.write(w, tree);
            w.flush();
        }
        bytes = buffer.toByteArray();
        Path file = output.getValue();
        if (file != null) {
            AtomicOutput.write(file, bytes);
            err.println("ptsafe scan: " + ScanText.summary(tree) + "; report written to " + file);
        } else {
            out.print(new String(bytes, StandardCharsets.UTF_8));
            if (machine) {
                out.println();
            }
            out.flush();
        }
        if (scanned.scannedNothing()) {
            err.println("ptsafe scan: no model file found under " + String.join(", ", args)
                    + (scanned.skipped().isEmpty() ? "" : " (" + scanned.skipped().size() + " other files, listed)"));
            err.flush();
            return ExitCodes.NOTHING_SCANNED;
        }
        Set<FailOn> failing = policy.failOnOrDefault();
        int code = FailOn.exitCode(found, failing);
        Set<FailOn> passed = EnumSet.noneOf(FailOn.class);
        passed.addAll(found);
        passed.removeAll(failing);
        if (!passed.isEmpty()) {
            err.println("ptsafe scan: found " + FailOn.labels(passed) + ", which does not fail the scan (--fail-on "
                    + FailOn.labels(failing) + ")");
        }
        if (ignored > 0) {
            err.println("ptsafe scan: " + ignored + " file" + (ignored == 1 ? "" : "s") + " ignored by the policy "
                    + policy.source() + ", listed with the reason");
        }
        err.flush();
        return code;
    }

    /** The report with its file's size and SHA-256, when it is a file of its own (not an archive member). */
    private static ScanReport withDigest(ScanReport r, PrintWriter err) {
        Path p = r.path();
        String s = p.toString();
        int bang = s.indexOf('!');
        if (bang > 0 && Files.isRegularFile(Path.of(s.substring(0, bang)))) {
            return r; // archive!member: its bytes were a temporary file, gone now
        }
        if (!Files.isRegularFile(p)) {
            return r;
        }
        try {
            return r.withDigest(FileDigest.of(p));
        } catch (IOException e) {
            err.println("ptsafe scan: " + p + ": could not be hashed (" + e.getMessage() + "): no sha256 in the report");
            return r;
        }
    }

    /** The policy file, if any, with the command line's options on top. */
    private Policy policy() throws IOException {
        Path file = config.getValue();
        Policy base = file == null ? Policy.NONE : PolicyFile.read(file);
        List<String> given = failOn.getValue();
        Set<FailOn> cli = given == null || given.isEmpty() ? null : FailOn.parse(given);
        List<String> names = inert.getValue();
        List<LimitOption.Setting> limits = limit.getValue();
        return base.with(cli, names == null ? List.of() : names, limits == null ? List.of() : limits);
    }

    private LoadOptions options(Policy policy) {
        LoadOptions.Builder b = TorchScriptOption.apply(torchscript, LoadOptions.builder());
        for (LimitOption.Setting s : policy.limits()) {
            b.limit(s.limit(), s.value());
        }
        if ((boolean) crc.getValue()) {
            b.crcPolicy(LoadOptions.CrcPolicy.CHECK_IF_PRESENT);
        }
        if (!policy.inertGlobals().isEmpty()) {
            b.addInertGlobals(policy.inertGlobals().toArray(String[]::new));
        }
        return b.build();
    }
}
