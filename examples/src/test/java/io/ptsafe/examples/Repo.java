package io.ptsafe.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository the examples run on, and a way to run an example's main and capture what it prints. */
final class Repo {
    private Repo() {
    }

    /** The repository root: the first folder up from the working directory holding samples/mlp.pt. */
    static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("samples/mlp.pt")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("no repository root with samples/mlp.pt above " + Path.of("").toAbsolutePath());
    }

    static Path file(String relative) {
        Path p = root().resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("missing " + p);
        }
        return p;
    }

    /** What one run printed, and its exit status. */
    record Run(int status, String out, String err) {
    }

    /** Runs {@code program} (an example's {@code run(args, out, err)}) and captures stdout and stderr. */
    static Run run(Program program, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = program.run(args, o, e);
        }
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @FunctionalInterface
    interface Program {
        int run(String[] args, PrintStream out, PrintStream err);
    }
}
