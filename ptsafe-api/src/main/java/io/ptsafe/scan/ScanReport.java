package io.ptsafe.scan;

import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.scan.ScanFinding.Severity;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import io.ptsafe.ContainerKind;
import io.ptsafe.DType;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;

/**
 * What {@link SafeLoader#scan} found in one file, without loading it: a {@link Verdict}, the
 * container, every finding, every global its pickles name, and the tensors it holds.
 *
 * <pre>{@code
 * ScanReport r = SafeLoader.scan(Path.of("upload.bin"));
 * if (r.verdict() != ScanReport.Verdict.SAFE) {
 *     r.findings().forEach(f -> log.warn("{} {}: {}", f.rule().id(), f.severity(), f.message()));
 * }
 * }</pre>
 *
 * <p>A report lists at most {@link #MAX_FINDINGS} findings and {@link #MAX_GLOBALS} globals (a
 * hostile file can name millions); the verdict counts the ones left out too.
 */
public final class ScanReport {
    /** Findings listed in one report; further ones are counted in {@link #omittedFindings()}. */
    public static final int MAX_FINDINGS = 1000;
    /** Globals listed in one report; further ones are counted in {@link #omittedGlobals()}. */
    public static final int MAX_GLOBALS = 10_000;

    /** The conclusion about a file. */
    public enum Verdict {
        /** Nothing in the file would run code, and ptsafe loads it as it is. */
        SAFE,
        /** Something in the file would run code if unpickled, or is outside the allowlist. */
        UNSAFE,
        /** Malformed, truncated, over a limit, or a container ptsafe does not load. */
        INVALID
    }

    /**
     * A global a pickle names (GLOBAL, STACK_GLOBAL, INST), resolved through the memo.
     *
     * @param module   the module as the pickle writes it
     * @param name     the qualified name as the pickle writes it
     * @param resolved {@code module.name} after Python's and torch's renames: the name judged
     * @param kind     what ptsafe makes of it
     * @param family   the known code-execution family ({@code os}, {@code builtins} ...), or null
     * @param opcode   the opcode that named it
     * @param location where that opcode is
     */
    public record Global(String module, String name, String resolved, Kind kind, String family, String opcode,
            Location location) {
        /**
         * Checks the components.
         *
         * @throws NullPointerException if {@code resolved}, {@code kind} or {@code location} is null
         */
        public Global {
            Objects.requireNonNull(resolved, "resolved");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(location, "location");
        }

        /** What ptsafe makes of a global. */
        public enum Kind {
            /** In the table of inert meanings (torch's weights_only allowlist). */
            ALLOWED,
            /** Declared inert by the caller: decoded as data. */
            INERT,
            /** Outside the allowlist and in a known code-execution family. */
            DANGEROUS,
            /** Outside the allowlist: refused like a dangerous one. */
            UNKNOWN
        }
    }

    /**
     * The tensors a file holds.
     *
     * @param count  tensors by name (a tied weight listed under two names counts twice)
     * @param bytes  their bytes, added up by name
     * @param dtypes tensors per dtype, in {@link DType} order
     */
    public record TensorInventory(long count, long bytes, Map<DType, Long> dtypes) {
        /**
         * Keeps an unmodifiable copy of {@code dtypes}, in {@link DType} order.
         *
         * @throws NullPointerException if {@code dtypes} is null
         */
        public TensorInventory {
            dtypes = Collections.unmodifiableMap(dtypes.isEmpty() ? new EnumMap<>(DType.class) : new EnumMap<>(dtypes));
        }

        /**
         * {@return the inventory of a list of tensors}
         *
         * @param tensors a file's tensors, each listed once per name ({@link TensorFile#tensors()})
         */
        public static TensorInventory of(List<Tensor> tensors) {
            Map<DType, Long> dtypes = new EnumMap<>(DType.class);
            long bytes = 0;
            for (Tensor t : tensors) {
                dtypes.merge(t.dtype(), 1L, Long::sum);
                bytes = Math.addExact(bytes, t.byteSize());
            }
            return new TensorInventory(tensors.size(), bytes, dtypes);
        }
    }

    private final Path path;
    private final ContainerKind container;
    private final Verdict verdict;
    private final List<ScanFinding> findings;
    private final List<Global> globals;
    private final TensorInventory tensors;
    private final boolean complete;
    private final long omittedFindings;
    private final long omittedGlobals;
    private final FileDigest digest;

    private ScanReport(Builder b) {
        this.path = b.path;
        this.container = b.container;
        this.verdict = b.verdict;
        this.findings = List.copyOf(b.findings);
        this.globals = List.copyOf(b.globals);
        this.tensors = b.tensors;
        this.complete = b.complete;
        this.omittedFindings = b.omittedFindings;
        this.omittedGlobals = b.omittedGlobals;
        this.digest = b.digest;
    }

    /**
     * Starts a report on {@code path}; providers fill it in.
     *
     * @param path      the file scanned, as the report names it
     * @param container what the file is, as far as known yet ({@link Builder#container(ContainerKind)} changes it)
     * @return an empty builder: verdict SAFE, complete
     * @throws NullPointerException if {@code path} or {@code container} is null
     */
    public static Builder builder(Path path, ContainerKind container) {
        return new Builder(path, container);
    }

    /** {@return the path scanned} */
    public Path path() { return path; }
    /** {@return what the file is} */
    public ContainerKind container() { return container; }
    /** {@return the worst effect of all findings: UNSAFE over INVALID over SAFE} */
    public Verdict verdict() { return verdict; }
    /** {@return the findings, in the order they were made; at most {@link #MAX_FINDINGS}} */
    public List<ScanFinding> findings() { return findings; }
    /** {@return every global the file's pickles name, in pickle order; at most {@link #MAX_GLOBALS}} */
    public List<Global> globals() { return globals; }
    /** {@return the tensors, when the scan got as far as building them} */
    public Optional<TensorInventory> tensors() { return Optional.ofNullable(tensors); }

    /**
     * Whether the scan examined the whole file. False when a refusal stopped it early (a truncated
     * pickle, a broken zip): what lies after that point was not looked at, though everything before
     * it (every global up to a truncation, say) is reported.
     *
     * @return whether the scan examined the whole file
     */
    public boolean complete() { return complete; }

    /** {@return how many findings were made but not listed (over {@link #MAX_FINDINGS})} */
    public long omittedFindings() { return omittedFindings; }
    /** {@return how many globals were named but not listed (over {@link #MAX_GLOBALS})} */
    public long omittedGlobals() { return omittedGlobals; }
    /** {@return the size and SHA-256 of the bytes scanned, when the caller attached them ({@link #withDigest})} */
    public Optional<FileDigest> digest() { return Optional.ofNullable(digest); }

    /**
     * This report with the size and SHA-256 of the bytes it is about: scans do not hash, the
     * caller that has the bytes does (see {@link FileDigest}).
     *
     * @param digest the file's size and SHA-256; not null
     * @return a copy of this report carrying {@code digest}
     */
    public ScanReport withDigest(FileDigest digest) {
        Objects.requireNonNull(digest, "digest");
        return copy(path, "", "", digest);
    }

    /**
     * {@return the listed findings of one rule, in order}
     *
     * @param rule the rule to select
     */
    public List<ScanFinding> findings(ScanRule rule) {
        return findings.stream().filter(f -> f.rule() == rule).toList();
    }

    /**
     * This report under another name: a member of an archive scanned from a temporary file is
     * reported as {@code archive!member}, and the temporary path in messages is replaced by it.
     *
     * @param name      the name to report the file under
     * @param temporary the path the file was scanned at, as it appears in messages
     * @return a copy of this report, named {@code name}, with {@code temporary} replaced in messages
     */
    public ScanReport relabeled(Path name, String temporary) {
        return copy(name, temporary, name.toString(), digest);
    }

    private ScanReport copy(Path name, String temporary, String replacement, FileDigest newDigest) {
        Builder b = new Builder(name, container);
        for (ScanFinding f : findings) {
            b.add(temporary.isEmpty() ? f : new ScanFinding(f.rule(), f.severity(), f.location(),
                    f.message().replace(temporary, replacement)));
        }
        globals.forEach(b::global);
        b.tensors = tensors;
        b.complete = complete;
        b.omittedFindings += omittedFindings;
        b.omittedGlobals += omittedGlobals;
        b.verdict = verdict;
        b.digest = newDigest;
        return b.build();
    }

    @Override
    public String toString() {
        return "ScanReport[" + path + ", " + container + ", " + verdict + ", " + findings.size() + " findings]";
    }

    /** Collects a report. Not thread-safe. */
    public static final class Builder {
        private final Path path;
        private ContainerKind container;
        private Verdict verdict = Verdict.SAFE;
        private final List<ScanFinding> findings = new ArrayList<>();
        private final List<Global> globals = new ArrayList<>();
        private TensorInventory tensors;
        private boolean complete = true;
        private long omittedFindings;
        private long omittedGlobals;
        private FileDigest digest;

        private Builder(Path path, ContainerKind container) {
            this.path = Objects.requireNonNull(path, "path");
            this.container = Objects.requireNonNull(container, "container");
        }

        /**
         * Changes what the file is found to be (a zip found to be TorchScript).
         *
         * @param kind what the file is; not null
         * @return this builder
         */
        public Builder container(ContainerKind kind) {
            this.container = Objects.requireNonNull(kind, "container");
            return this;
        }

        /** {@return what the file is found to be so far} */
        public ContainerKind container() {
            return container;
        }

        /**
         * Adds a finding; its {@link ScanFinding#effect()} may worsen the verdict. Findings over
         * {@link #MAX_FINDINGS} are counted, not listed.
         *
         * @param f the finding; not null
         * @return this builder
         */
        public Builder add(ScanFinding f) {
            Objects.requireNonNull(f, "finding");
            Verdict v = f.effect();
            if (v == Verdict.UNSAFE || v == Verdict.INVALID && verdict == Verdict.SAFE) {
                verdict = v;
            }
            if (findings.size() < MAX_FINDINGS) {
                findings.add(f);
            } else {
                omittedFindings++;
            }
            return this;
        }

        /**
         * Adds a finding of the rule's default severity.
         *
         * @param rule     the rule from the catalog
         * @param location where in the file
         * @param message  what was found, for people
         * @return this builder
         */
        public Builder add(ScanRule rule, Location location, String message) {
            return add(ScanFinding.of(rule, location, message));
        }

        /**
         * Adds a finding of another severity than the rule's default.
         *
         * @param rule     the rule from the catalog
         * @param severity the severity to use instead of the rule's default
         * @param location where in the file
         * @param message  what was found, for people
         * @return this builder
         */
        public Builder add(ScanRule rule, Severity severity, Location location, String message) {
            return add(new ScanFinding(rule, severity, location, message));
        }

        /**
         * Records a global a pickle names, in pickle order. Globals over {@link #MAX_GLOBALS} are
         * counted, not listed. Recording does not change the verdict: findings do.
         *
         * @param g the global; not null
         * @return this builder
         */
        public Builder global(Global g) {
            Objects.requireNonNull(g, "global");
            if (globals.size() < MAX_GLOBALS) {
                globals.add(g);
            } else {
                omittedGlobals++;
            }
            return this;
        }

        /**
         * Sets the tensor inventory.
         *
         * @param inventory the file's tensors, or null when the scan did not get as far as building them
         * @return this builder
         */
        public Builder tensors(TensorInventory inventory) {
            this.tensors = inventory;
            return this;
        }

        /**
         * Records that the scan stopped before the end of the file.
         *
         * @return this builder
         */
        public Builder incomplete() {
            this.complete = false;
            return this;
        }

        /** {@return the verdict so far} */
        public Verdict verdict() {
            return verdict;
        }

        /** {@return a report of what was collected so far} */
        public ScanReport build() {
            return new ScanReport(this);
        }
    }
}
