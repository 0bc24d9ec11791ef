package io.ptsafe.release;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI integrations run for real on the distribution ptsafe-cli built, as a user installs it
 * (the archive unpacked, its bin/ on PATH): the pre-commit hook of .pre-commit-hooks.yaml through the
 * real {@code pre-commit} (Debian's package; .ci/run installs it) in a fresh git repository, and the
 * GitHub Action's script with the inputs action.yml documents. Nothing here uses the network: the
 * hook repository is a local path and the hook's language is {@code system}.
 */
class CiIntegrationTest {
    static final Path ROOT = CentralRequirementsTest.ROOT;
    static final Path EVIL = ROOT.resolve("ptsafe-pickle/src/test/resources/torch/malicious/zip_os_system_reduce.pt");
    static final Path EVIL_BIN = ROOT.resolve("ptsafe-pickle/src/test/resources/torch/malicious/proto0/pytorch_model.bin");
    static final Path SAFE = ROOT.resolve("samples/mlp.pt");
    static final Path UNKNOWN_GLOBAL = ROOT.resolve("ptsafe-pickle/src/test/resources/torch/inert/namespace_numpy.pt");

    @TempDir
    static Path dist;
    static Path bin;

    @BeforeAll
    static void unpack() throws Exception {
        Path archive = DistributionTest.TARGET.resolve("ptsafe-" + DistributionTest.VERSION + ".tar.gz");
        assertTrue(Files.isRegularFile(archive), archive + " was built");
        Result tar = run(dist, Map.of("PATH", "/usr/bin:/bin"), "tar", "-xzf", archive.toString());
        assertEquals(0, tar.code(), tar.toString());
        bin = dist.resolve("ptsafe-" + DistributionTest.VERSION + "/bin");
    }

    /** PATH with the distribution's bin/ first, its Java through JAVA_HOME, a HOME of the test's own. */
    static Map<String, String> env(Path home) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", bin + ":/usr/local/bin:/usr/bin:/bin");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("HOME", home.toString());
        env.put("LANG", "C.UTF-8");
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("PRE_COMMIT_HOME", home.resolve("pre-commit-cache").toString());
        for (String who : List.of("AUTHOR", "COMMITTER")) {
            env.put("GIT_" + who + "_NAME", "ptsafe test");
            env.put("GIT_" + who + "_EMAIL", "test@ptsafe.invalid");
        }
        return env;
    }

    @Test
    void preCommitRefusesAnUnsafeModelAndAcceptsACleanOne(@TempDir Path tmp) throws Exception {
        Result version = run(tmp, env(tmp), "pre-commit", "--version");
        assertEquals(0, version.code(), "pre-commit must be installed (Debian package pre-commit; .ci/run installs "
                + "it): " + version);
        Map<String, String> env = env(tmp);
        // The hook repository: this repository's .pre-commit-hooks.yaml, as committed at a revision.
        Path hooks = Files.createDirectories(tmp.resolve("hooks"));
        git(hooks, env, "init", "-q");
        Files.copy(ROOT.resolve(".pre-commit-hooks.yaml"), hooks.resolve(".pre-commit-hooks.yaml"));
        git(hooks, env, "add", ".pre-commit-hooks.yaml");
        git(hooks, env, "commit", "-q", "-m", "hooks");
        String rev = git(hooks, env, "rev-parse", "HEAD").out().strip();

        Path work = Files.createDirectories(tmp.resolve("models"));
        git(work, env, "init", "-q");
        Files.writeString(work.resolve(".pre-commit-config.yaml"), """
                repos:
                  - repo: %s
                    rev: %s
                    hooks:
                      - id: ptsafe-scan
                """.formatted(hooks, rev));
        Result install = run(work, env, "pre-commit", "install");
        assertEquals(0, install.code(), install.toString());
        Files.writeString(work.resolve("README.md"), "weights\n");
        git(work, env, "add", ".pre-commit-config.yaml", "README.md");
        Result first = run(work, env, "git", "commit", "-m", "config");
        assertEquals(0, first.code(), first.toString());
        assertTrue(first.out().contains("(no files to check)"), "README.md is no model file: " + first);

        for (Path evil : List.of(EVIL, EVIL_BIN)) {
            String name = evil.getFileName().toString().endsWith(".bin") ? "pytorch_model.bin" : "checkpoint.pt";
            Files.copy(evil, work.resolve(name));
            git(work, env, "add", name);
            Result refused = run(work, env, "git", "commit", "-m", "add " + name);
            assertEquals(1, refused.code(), refused.toString());
            assertTrue(refused.out().contains("UNSAFE  " + name), refused.toString());
            assertTrue(refused.out().contains("Failed"), refused.toString());
            assertEquals("1", git(work, env, "rev-list", "--count", "HEAD").out().strip(), "nothing committed");
            git(work, env, "rm", "-q", "--cached", name);
            Files.delete(work.resolve(name));
        }

        Files.copy(SAFE, work.resolve("model.pt"));
        git(work, env, "add", "model.pt");
        Result accepted = run(work, env, "git", "commit", "-m", "add model.pt");
        assertEquals(0, accepted.code(), accepted.toString());
        assertTrue(accepted.out().contains("Passed"), accepted.toString());
        assertEquals("2", git(work, env, "rev-list", "--count", "HEAD").out().strip());
    }

    /** action.yml's inputs, in order, with their defaults. */
    static Map<String, String> actionInputs() throws IOException {
        String yml = Files.readString(ROOT.resolve("action.yml"));
        String block = yml.substring(yml.indexOf("\ninputs:\n"), yml.indexOf("\noutputs:\n"));
        Map<String, String> inputs = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\n  ([a-z-]+):\n(?:    (?!default:).*\n)*    default: (.*)").matcher(block);
        while (m.find()) {
            String d = m.group(2).strip();
            inputs.put(m.group(1), d.equals("''") ? "" : d);
        }
        return inputs;
    }

    @Test
    void actionPassesEveryDocumentedInput() throws IOException {
        Map<String, String> inputs = actionInputs();
        assertEquals(List.of("paths", "fail-on", "config", "sarif", "args", "ptsafe"), List.copyOf(inputs.keySet()));
        String yml = Files.readString(ROOT.resolve("action.yml"));
        String script = Files.readString(ROOT.resolve("action/scan.sh"));
        for (String input : inputs.keySet()) {
            String variable = "INPUT_" + input.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
            assertTrue(yml.contains(variable + ": ${{ "), variable + " is set by the composite step");
            assertTrue(script.contains("${" + variable), variable + " is read by action/scan.sh");
        }
        assertTrue(docs().contains("uses: github/codeql-action/upload-sarif@"), "docs/ci.md shows the upload");
    }

    @Test
    void actionScriptWritesSarifAndExitsAsTheScan(@TempDir Path tmp) throws Exception {
        Map<String, String> inputs = actionInputs();
        Path ws = Files.createDirectories(tmp.resolve("workspace"));
        Files.createDirectories(ws.resolve("models/fixtures"));
        Files.copy(SAFE, ws.resolve("models/mlp.pt"));
        Files.copy(UNKNOWN_GLOBAL, ws.resolve("models/namespace.pt"));
        Files.copy(EVIL, ws.resolve("models/fixtures/evil.pt"));
        Files.writeString(ws.resolve("ptsafe.json"), """
                {"ignore": [{"path": "models/fixtures/**", "reason": "attack samples for our scanner tests"}]}
                """);

        // the defaults, with the workspace holding an UNSAFE file: the scan fails, the SARIF is written
        Map<String, String> env = actionEnv(tmp, inputs, Map.of());
        Result failed = run(ws, env, "bash", ROOT.resolve("action/scan.sh").toString());
        assertEquals(1, failed.code(), failed.toString());
        String sarif = Files.readString(ws.resolve("ptsafe.sarif"));
        assertTrue(sarif.contains("\"version\" : \"2.1.0\""), sarif);
        assertTrue(sarif.contains("\"version\" : \"" + DistributionTest.VERSION + "\""), "the tool's version: " + sarif);
        assertTrue(sarif.contains("\"ruleId\" : \"PTS100\"") && sarif.contains("\"ruleId\" : \"PTS101\""), sarif);
        assertTrue(sarif.contains("\"partialFingerprints\""), sarif);
        assertTrue(sarif.contains("\"uri\" : \"models/mlp.pt\""), "paths relative to the workspace: " + sarif);
        assertEquals("sarif=ptsafe.sarif\nexit-code=1\n", Files.readString(tmp.resolve("output")));
        assertTrue(Files.readString(tmp.resolve("summary")).contains("ptsafe scan failed: issues found"));

        // every input given: a policy that ignores the fixtures, unknown globals not failing, another path
        Files.delete(tmp.resolve("output"));
        env = actionEnv(tmp, inputs, Map.of("INPUT_PATHS", "models/mlp.pt\nmodels/namespace.pt  models/fixtures",
                "INPUT_FAIL_ON", "unsafe,invalid", "INPUT_CONFIG", "ptsafe.json", "INPUT_SARIF", "reports/scan.sarif",
                "INPUT_ARGS", "--crc --limit maxTensors=100"));
        Result passed = run(ws, env, "bash", ROOT.resolve("action/scan.sh").toString());
        assertEquals(0, passed.code(), passed.toString());
        assertTrue(passed.out().contains("scan --sarif --output reports/scan.sarif --config ptsafe.json --fail-on "
                + "unsafe,invalid --crc --limit maxTensors=100 -- models/mlp.pt models/namespace.pt models/fixtures"),
                passed.toString());
        String logged = Files.readString(ws.resolve("reports/scan.sarif"));
        assertTrue(logged.contains("ignored by the policy ptsafe.json: attack samples for our scanner tests (scanned "
                + "UNSAFE)"), logged);
        assertEquals("sarif=reports/scan.sarif\nexit-code=0\n", Files.readString(tmp.resolve("output")));

        // a wrong input is a usage error, reported as such
        env = actionEnv(tmp, inputs, Map.of("INPUT_FAIL_ON", "sometimes"));
        Result usage = run(ws, env, "bash", ROOT.resolve("action/scan.sh").toString());
        assertEquals(4, usage.code(), usage.toString());
        assertTrue(usage.out().contains("unknown fail-on value 'sometimes'"), usage.toString());
    }

    /** The variables the composite step sets: every input, with its default unless given. */
    static Map<String, String> actionEnv(Path tmp, Map<String, String> inputs, Map<String, String> given) {
        Map<String, String> env = env(tmp);
        inputs.forEach((k, v) -> env.put("INPUT_" + k.toUpperCase(java.util.Locale.ROOT).replace('-', '_'), v));
        env.put("INPUT_PTSAFE", bin.resolve("ptsafe").toString());
        env.putAll(given);
        env.put("GITHUB_OUTPUT", tmp.resolve("output").toString());
        env.put("GITHUB_STEP_SUMMARY", tmp.resolve("summary").toString());
        return env;
    }

    @Test
    void completionCoversTheGateOptions() throws IOException {
        Path completion = bin.resolveSibling("share/bash-completion/completions/ptsafe");
        String script = Files.readString(completion);
        for (String option : List.of("--fail-on", "--output", "--config", "--show-policy", "--sarif")) {
            assertTrue(script.contains(option), option + " in " + completion);
        }
    }

    static String docs() throws IOException {
        return Files.readString(ROOT.resolve("docs/ci.md"));
    }

    record Result(int code, String out) {
    }

    static Result git(Path dir, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Result r = run(dir, env, cmd.toArray(String[]::new));
        assertEquals(0, r.code(), r.toString());
        return r;
    }

    /** Runs a command in {@code dir} with exactly {@code env}, standard error merged into the output. */
    static Result run(Path dir, Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(env);
        Path out = Files.createTempFile("ptsafe-ci", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).start();
            if (!p.waitFor(3, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not end in 3 minutes");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.delete(out);
        }
    }
}
