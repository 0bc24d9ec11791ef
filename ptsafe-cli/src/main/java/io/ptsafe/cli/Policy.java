package io.ptsafe.cli;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A scan policy a team commits ({@code --config ptsafe.json}, read by {@link PolicyFile}): what fails
 * the build, the globals to decode as inert data, limits, and paths to ignore, each with the reason
 * the report repeats. Command-line options win over it: {@code --fail-on} replaces {@link #failOn},
 * {@code --inert} adds to {@link #inertGlobals}, {@code --limit} overrides a limit of the same name.
 *
 * @param source       the file it was read from, or null; ignore patterns are relative to its folder
 * @param failOn       what fails the scan, or null when the policy does not say (the default then)
 * @param inertGlobals globals ({@code module.qualname}) decoded as inert data
 * @param limits       limits, in the order given
 * @param ignore       paths not judged, each with its reason
 */
record Policy(Path source, Set<FailOn> failOn, List<String> inertGlobals, List<LimitOption.Setting> limits,
        List<Ignore> ignore) {
    static final Policy NONE = new Policy(null, null, List.of(), List.of(), List.of());

    /**
     * A path (a glob: {@code *} within a folder, {@code **} across folders, {@code {a,b}}) whose
     * files are scanned but not judged: listed in the report with the reason and the verdict they
     * would have had.
     *
     * @param path   the glob, relative to the policy file's folder, {@code /} between folders
     * @param reason why, for the reviewer reading the report; not blank
     */
    record Ignore(String path, String reason) {
        Ignore {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(reason, "reason");
            if (path.isBlank()) {
                throw new IllegalArgumentException("an ignore entry's path is empty");
            }
            if (reason.isBlank()) {
                throw new IllegalArgumentException("the ignore entry for '" + path + "' has no reason; every ignored "
                        + "path needs one, which the report repeats");
            }
            FileSystems.getDefault().getPathMatcher("glob:" + path); // PatternSyntaxException is an IAE
        }
    }

    Policy {
        failOn = failOn == null ? null : Set.copyOf(failOn);
        inertGlobals = List.copyOf(inertGlobals);
        limits = List.copyOf(limits);
        ignore = List.copyOf(ignore);
    }

    /** {@return what fails the scan: the policy's, else {@link FailOn#DEFAULT}} */
    Set<FailOn> failOnOrDefault() {
        return failOn == null ? FailOn.DEFAULT : EnumSet.copyOf(failOn.isEmpty() ? EnumSet.noneOf(FailOn.class) : failOn);
    }

    /**
     * {@return this policy with the command line's settings on top}
     *
     * @param failOnGiven {@code --fail-on}, or null
     * @param inert       {@code --inert} names
     * @param limitsGiven {@code --limit} settings
     */
    Policy with(Set<FailOn> failOnGiven, List<String> inert, List<LimitOption.Setting> limitsGiven) {
        List<String> globals = new ArrayList<>(inertGlobals);
        inert.stream().filter(g -> !globals.contains(g)).forEach(globals::add);
        List<LimitOption.Setting> l = new ArrayList<>(limits);
        for (LimitOption.Setting s : limitsGiven) {
            l.removeIf(x -> x.limit() == s.limit());
            l.add(s);
        }
        return new Policy(source, failOnGiven != null ? failOnGiven : failOn, globals, l, ignore);
    }

    /**
     * {@return the ignore entry matching a report's location, if any}: an archive member
     * ({@code a.tar!m.pt}) is matched by its archive's path. A location outside the policy file's
     * folder (or any, without a policy file) is matched as given.
     */
    Optional<Ignore> ignored(String location) {
        if (ignore.isEmpty()) {
            return Optional.empty();
        }
        String file = location;
        int bang = location.indexOf('!');
        if (bang > 0 && !java.nio.file.Files.exists(Path.of(location))) {
            file = location.substring(0, bang);
        }
        Path p = Path.of(file).normalize();
        if (source != null) {
            Path base = source.toAbsolutePath().normalize().getParent();
            Path abs = p.toAbsolutePath().normalize();
            if (base != null && abs.startsWith(base)) {
                p = base.relativize(abs);
            }
        }
        for (Ignore i : ignore) {
            PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + i.path());
            if (m.matches(p)) {
                return Optional.of(i);
            }
        }
        return Optional.empty();
    }
}
