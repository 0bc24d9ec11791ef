package io.ptsafe;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Limits on everything a file controls, and the few choices a caller makes when opening one.
 * Immutable; build with {@link #builder()}. Every limit has a documented {@code DEFAULT_*} constant;
 * a file over a limit is refused with a {@link LimitExceededException} naming the setting to change.
 *
 * <p>The defaults accept every real checkpoint we know of (the largest public models have a few
 * thousand tensors and data.pkl files of a few MB) while bounding what a hostile file can make
 * ptsafe allocate or do.
 *
 * <p>Each limit is a {@link Limit} constant, which holds its name (its accessor's and builder
 * method's, which is what {@link LimitExceededException#setting()} reports), default, range, and the
 * check the readers make. Code sets and reads limits with {@link Builder#limit(Limit, long)} and
 * {@link #limit(Limit)}; configuration and command lines by name with
 * {@link Builder#limit(String, long)} and {@link #limit(String)}, and list them with
 * {@link #limitNames()}.
 */
public final class LoadOptions {
    /** safetensors header bytes: 100,000,000, as the reference implementation. */
    public static final long DEFAULT_MAX_HEADER_BYTES = 100_000_000L;
    /** Nesting of JSON objects and arrays in a safetensors header or index (legal headers need 3). */
    public static final int DEFAULT_MAX_JSON_DEPTH = 16;
    /** Tensors in one file or one sharded set. */
    public static final int DEFAULT_MAX_TENSORS = 1_000_000;
    /** Dimensions of one tensor. */
    public static final int DEFAULT_MAX_RANK = 64;
    /** Characters in a tensor name, metadata key or value, or any JSON string. */
    public static final int DEFAULT_MAX_STRING_LENGTH = 1 << 20;
    /** Shards in a sharded checkpoint. */
    public static final int DEFAULT_MAX_SHARDS = 100_000;
    /** Bytes of one pickle (data.pkl, or one pickle of a legacy file). */
    public static final long DEFAULT_MAX_PICKLE_BYTES = 1L << 30;
    /** Opcodes executed by the pickle machine for one pickle. */
    public static final long DEFAULT_MAX_PICKLE_OPCODES = 100_000_000L;
    /** Values on the pickle stack at once, MARKs included. */
    public static final int DEFAULT_MAX_STACK_SIZE = 1_000_000;
    /** Nesting of containers in the decoded value tree, and of MARKs. */
    public static final int DEFAULT_MAX_NESTING_DEPTH = 256;
    /** Memo entries, and the largest memo index a pickle may use. */
    public static final int DEFAULT_MAX_MEMO_ENTRIES = 2_000_000;
    /** Bytes of one pickled str or bytes value. */
    public static final int DEFAULT_MAX_PICKLE_STRING_BYTES = 64 << 20;
    /** Items in one decoded container (list, tuple, dict, set). */
    public static final int DEFAULT_MAX_CONTAINER_ITEMS = 1_000_000;
    /** Digits (bytes) of one pickled integer (LONG1, LONG4, LONG). */
    public static final int DEFAULT_MAX_INT_BYTES = 1 << 10;
    /**
     * Estimated heap bytes of everything the pickles of one file decode to (see
     * {@link #maxDecodedBytes()}): 80 MiB. Chosen so that a state dict of 100,000 tensors loads with
     * room to spare (torch 1.13's zip checkpoint of one is charged 55.3 MiB, 579 bytes a tensor: 1.45x
     * headroom; its legacy stream 63.8 MiB, 668 bytes a tensor: 1.25x; one of 20,000 tensors about
     * 11 MiB, the test checkpoints under 64 KiB), while a hostile file is refused before its decoded
     * values take more than about 84 MB.
     */
    public static final long DEFAULT_MAX_DECODED_BYTES = 80L << 20;
    /** Entries in a zip container. */
    public static final int DEFAULT_MAX_ZIP_ENTRIES = 1_000_000;
    /** Bytes a DEFLATED record of a zip may inflate to, all records together. */
    public static final long DEFAULT_MAX_INFLATED_BYTES = 4L << 30;
    /** Ratio of inflated to compressed bytes of a DEFLATED record. */
    public static final int DEFAULT_MAX_COMPRESSION_RATIO = 200;

    /**
     * Archives opened inside one another by a tree scan ({@link SafeLoader#scanTree}): a file inside
     * a .tar.gz is at depth 1, a zip inside that at depth 2.
     */
    public static final int DEFAULT_MAX_ARCHIVE_DEPTH = 4;
    /** Members (files, links, folders) of one archive a tree scan opens, nested archives' included. */
    public static final int DEFAULT_MAX_ARCHIVE_MEMBERS = 100_000;
    /**
     * Bytes a tree scan extracts from one archive, nested archives' included: 32 GiB. Members are
     * extracted one at a time to temporary files and deleted once scanned; this bounds the work and
     * the decompression, the per-member limit bounds the disk.
     */
    public static final long DEFAULT_MAX_ARCHIVE_BYTES = 32L << 30;
    /** Bytes of one archive member a tree scan extracts to a temporary file: 16 GiB. */
    public static final long DEFAULT_MAX_ARCHIVE_MEMBER_BYTES = 16L << 30;
    /**
     * Ratio of extracted to compressed bytes of an archive member or compressed stream, checked once
     * it passes 1 MiB extracted (real weights compress less than 2 to 1).
     */
    public static final int DEFAULT_MAX_ARCHIVE_RATIO = 200;
    /**
     * Bytes read from a stream to scan ({@link SafeLoader#scan(java.io.InputStream, String, LoadOptions)},
     * {@link io.ptsafe.scan.UploadScanner}): 16 GiB. The stream is written to a temporary file as it is
     * read, so this bounds the disk one scan takes; a stream longer than this is refused with a
     * {@link LimitExceededException} as soon as the limit is passed, before it is scanned.
     */
    public static final long DEFAULT_MAX_STREAM_BYTES = 16L << 30;

    /** What to do with CRC-32 of STORED zip records (DEFLATED records are always checked). */
    public enum CrcPolicy {
        /** Never compute it: opening stays zero-copy and does not touch tensor pages (the default). */
        SKIP,
        /** Check it when the record's CRC field is non-zero; torch writes zero when saving without CRC. */
        CHECK_IF_PRESENT,
        /** Check it always: a zero CRC on a non-empty record is a mismatch. */
        REQUIRE
    }

    private static final LoadOptions DEFAULTS = builder().build();

    private final long[] limits;
    private final CrcPolicy crcPolicy;
    private final Set<String> inertGlobals;
    private final boolean allowTorchScriptWeights;

    private LoadOptions(Builder b) {
        this.limits = b.limits.clone();
        this.crcPolicy = b.crcPolicy;
        this.inertGlobals = Set.copyOf(b.inertGlobals);
        this.allowTorchScriptWeights = b.allowTorchScriptWeights;
    }

    /** {@return the defaults: every {@code DEFAULT_*} constant} */
    public static LoadOptions defaults() {
        return DEFAULTS;
    }

    /** {@return a builder starting from the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return a builder starting from these options} */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** {@return the limit; see {@link #DEFAULT_MAX_HEADER_BYTES}} */
    public long maxHeaderBytes() { return limits[Limit.MAX_HEADER_BYTES.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_JSON_DEPTH}} */
    public int maxJsonDepth() { return (int) limits[Limit.MAX_JSON_DEPTH.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_TENSORS}} */
    public int maxTensors() { return (int) limits[Limit.MAX_TENSORS.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_RANK}} */
    public int maxRank() { return (int) limits[Limit.MAX_RANK.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_STRING_LENGTH}} */
    public int maxStringLength() { return (int) limits[Limit.MAX_STRING_LENGTH.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_SHARDS}} */
    public int maxShards() { return (int) limits[Limit.MAX_SHARDS.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_PICKLE_BYTES}} */
    public long maxPickleBytes() { return limits[Limit.MAX_PICKLE_BYTES.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_PICKLE_OPCODES}} */
    public long maxPickleOpcodes() { return limits[Limit.MAX_PICKLE_OPCODES.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_STACK_SIZE}} */
    public int maxStackSize() { return (int) limits[Limit.MAX_STACK_SIZE.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_NESTING_DEPTH}} */
    public int maxNestingDepth() { return (int) limits[Limit.MAX_NESTING_DEPTH.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_MEMO_ENTRIES}} */
    public int maxMemoEntries() { return (int) limits[Limit.MAX_MEMO_ENTRIES.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_PICKLE_STRING_BYTES}} */
    public int maxPickleStringBytes() { return (int) limits[Limit.MAX_PICKLE_STRING_BYTES.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_CONTAINER_ITEMS}} */
    public int maxContainerItems() { return (int) limits[Limit.MAX_CONTAINER_ITEMS.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_INT_BYTES}} */
    public int maxIntBytes() { return (int) limits[Limit.MAX_INT_BYTES.ordinal()]; }

    /**
     * One budget for everything the restricted pickle machine decodes in a file, in estimated bytes
     * of Java heap: the limits on each container, string and the memo do not bound their sum, and a
     * small compressed pickle of many small containers can otherwise ask for gigabytes.
     *
     * <p>Every value the machine creates is charged when it is created, whether the result keeps it or
     * it is later dropped (the memo can keep any value alive, so this is the safe simple rule): an
     * object header and fields for each value and container, a reference slot for each item, the
     * map entries of dicts and sets, one byte per character of a str (two when it is not Latin-1),
     * the bytes of a bytes value and of an integer's magnitude; then the converted value tree
     * ({@link PyValue}) and one {@link Tensor} per tensor name. Working tables are charged while they
     * live (the memo and the stack until STOP, the conversion's until it ends). Large strings and
     * the memo are checked before they are allocated. The estimate is calibrated to be at least the
     * heap really kept, on a 64-bit JVM with compressed references (heaps under 32 GB). All the
     * pickles of a legacy file share one budget. Over it, loading is refused with a
     * {@link LimitExceededException} naming this setting (reason {@link Reason#PICKLE_LIMIT}) and the
     * scan reports it as a finding.
     *
     * @return the limit; see {@link #DEFAULT_MAX_DECODED_BYTES}
     */
    public long maxDecodedBytes() { return limits[Limit.MAX_DECODED_BYTES.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_ZIP_ENTRIES}} */
    public int maxZipEntries() { return (int) limits[Limit.MAX_ZIP_ENTRIES.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_INFLATED_BYTES}} */
    public long maxInflatedBytes() { return limits[Limit.MAX_INFLATED_BYTES.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_COMPRESSION_RATIO}} */
    public int maxCompressionRatio() { return (int) limits[Limit.MAX_COMPRESSION_RATIO.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_ARCHIVE_DEPTH}} */
    public int maxArchiveDepth() { return (int) limits[Limit.MAX_ARCHIVE_DEPTH.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_ARCHIVE_MEMBERS}} */
    public int maxArchiveMembers() { return (int) limits[Limit.MAX_ARCHIVE_MEMBERS.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_ARCHIVE_BYTES}} */
    public long maxArchiveBytes() { return limits[Limit.MAX_ARCHIVE_BYTES.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_ARCHIVE_MEMBER_BYTES}} */
    public long maxArchiveMemberBytes() { return limits[Limit.MAX_ARCHIVE_MEMBER_BYTES.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_ARCHIVE_RATIO}} */
    public int maxArchiveRatio() { return (int) limits[Limit.MAX_ARCHIVE_RATIO.ordinal()]; }
    /** {@return the limit; see {@link #DEFAULT_MAX_STREAM_BYTES}} */
    public long maxStreamBytes() { return limits[Limit.MAX_STREAM_BYTES.ordinal()]; }
    /** {@return the CRC-32 policy for STORED zip records; {@link CrcPolicy#SKIP} by default} */
    public CrcPolicy crcPolicy() { return crcPolicy; }

    /**
     * Extra pickle globals ({@code module.qualname}) decoded as opaque inert values: their name,
     * arguments and state kept as data, never called. Empty by default.
     *
     * @return the inert global names, unmodifiable
     */
    public Set<String> inertGlobals() { return inertGlobals; }

    /**
     * Whether TorchScript archives ({@code torch.jit.save}) are opened for their weights. False by
     * default: such an archive holds programs ({@code code/}), and opening it is refused with
     * {@link Reason#UNSUPPORTED_FORMAT}. When true, only its data is read ({@code data.pkl},
     * {@code constants.pkl} and their storages, through the restricted pickle machine, with torch's
     * TorchScript unpickler's globals and opcodes); the programs are never compiled or run, and the
     * tensors are named as {@code model.state_dict()} names them. A scan reports such an archive as
     * UNSAFE whatever this setting.
     *
     * @return whether TorchScript archives are opened for their weights
     */
    public boolean allowTorchScriptWeights() { return allowTorchScriptWeights; }

    /**
     * Reads a limit by name, so tools can print the limits in effect.
     *
     * @param setting a name from {@link #limitNames()}, e.g. {@code "maxTensors"}
     * @return the value its accessor returns
     * @throws IllegalArgumentException if {@code setting} is no limit's name (the message lists them)
     */
    public long limit(String setting) {
        return limit(Limit.named(setting));
    }

    /**
     * Reads a limit.
     *
     * @param limit the limit
     * @return the value its accessor returns
     */
    public long limit(Limit limit) {
        return limits[limit.ordinal()];
    }

    /**
     * The names of the limits, in alphabetical order: the {@code max*} accessors and builder methods,
     * and every value {@link LimitExceededException#setting()} can report.
     *
     * @return the names, unmodifiable
     */
    public static Set<String> limitNames() {
        return Limit.bySetting().keySet();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("LoadOptions{");
        for (Limit l : Limit.values()) {
            sb.append(l.setting()).append('=').append(limits[l.ordinal()]).append(", ");
        }
        return sb.append("crcPolicy=").append(crcPolicy).append(", inertGlobals=").append(new TreeSet<>(inertGlobals))
                .append(", allowTorchScriptWeights=").append(allowTorchScriptWeights).append('}').toString();
    }

    /** Builds {@link LoadOptions}; every setter rejects values below 1 (or below 0 where 0 makes sense). */
    public static final class Builder {
        private final long[] limits = new long[Limit.values().length];
        private CrcPolicy crcPolicy = CrcPolicy.SKIP;
        private final Set<String> inertGlobals = new TreeSet<>();
        private boolean allowTorchScriptWeights;

        private Builder() {
            for (Limit l : Limit.values()) {
                limits[l.ordinal()] = l.defaultValue();
            }
        }

        private Builder(LoadOptions o) {
            System.arraycopy(o.limits, 0, limits, 0, limits.length);
            crcPolicy = o.crcPolicy;
            inertGlobals.addAll(o.inertGlobals);
            allowTorchScriptWeights = o.allowTorchScriptWeights;
        }
        /**
         * Sets {@link LoadOptions#maxHeaderBytes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_HEADER_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxHeaderBytes(long v) { return positive(Limit.MAX_HEADER_BYTES, v); }
        /**
         * Sets {@link LoadOptions#maxJsonDepth()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_JSON_DEPTH})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxJsonDepth(int v) { return positive(Limit.MAX_JSON_DEPTH, v); }
        /**
         * Sets {@link LoadOptions#maxTensors()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_TENSORS})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxTensors(int v) { return positive(Limit.MAX_TENSORS, v); }
        /**
         * Sets {@link LoadOptions#maxRank()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_RANK})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxRank(int v) { return positive(Limit.MAX_RANK, v); }
        /**
         * Sets {@link LoadOptions#maxStringLength()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_STRING_LENGTH})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxStringLength(int v) { return positive(Limit.MAX_STRING_LENGTH, v); }
        /**
         * Sets {@link LoadOptions#maxShards()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_SHARDS})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxShards(int v) { return positive(Limit.MAX_SHARDS, v); }
        /**
         * Sets {@link LoadOptions#maxPickleBytes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_PICKLE_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxPickleBytes(long v) { return positive(Limit.MAX_PICKLE_BYTES, v); }
        /**
         * Sets {@link LoadOptions#maxPickleOpcodes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_PICKLE_OPCODES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxPickleOpcodes(long v) { return positive(Limit.MAX_PICKLE_OPCODES, v); }
        /**
         * Sets {@link LoadOptions#maxStackSize()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_STACK_SIZE})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxStackSize(int v) { return positive(Limit.MAX_STACK_SIZE, v); }
        /**
         * Sets {@link LoadOptions#maxNestingDepth()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_NESTING_DEPTH})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxNestingDepth(int v) { return positive(Limit.MAX_NESTING_DEPTH, v); }
        /**
         * Sets {@link LoadOptions#maxMemoEntries()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_MEMO_ENTRIES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxMemoEntries(int v) { return positive(Limit.MAX_MEMO_ENTRIES, v); }
        /**
         * Sets {@link LoadOptions#maxPickleStringBytes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_PICKLE_STRING_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxPickleStringBytes(int v) { return positive(Limit.MAX_PICKLE_STRING_BYTES, v); }
        /**
         * Sets {@link LoadOptions#maxContainerItems()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_CONTAINER_ITEMS})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxContainerItems(int v) { return positive(Limit.MAX_CONTAINER_ITEMS, v); }
        /**
         * Sets {@link LoadOptions#maxIntBytes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_INT_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxIntBytes(int v) { return positive(Limit.MAX_INT_BYTES, v); }
        /**
         * Sets {@link LoadOptions#maxDecodedBytes()}.
         *
         * @param v the limit in estimated heap bytes, at least 1 (default {@link LoadOptions#DEFAULT_MAX_DECODED_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxDecodedBytes(long v) { return positive(Limit.MAX_DECODED_BYTES, v); }
        /**
         * Sets {@link LoadOptions#maxZipEntries()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_ZIP_ENTRIES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxZipEntries(int v) { return positive(Limit.MAX_ZIP_ENTRIES, v); }
        /**
         * Sets {@link LoadOptions#maxInflatedBytes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_INFLATED_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxInflatedBytes(long v) { return positive(Limit.MAX_INFLATED_BYTES, v); }
        /**
         * Sets {@link LoadOptions#maxCompressionRatio()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_COMPRESSION_RATIO})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxCompressionRatio(int v) { return positive(Limit.MAX_COMPRESSION_RATIO, v); }
        /**
         * Sets {@link LoadOptions#maxArchiveDepth()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_ARCHIVE_DEPTH})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxArchiveDepth(int v) { return positive(Limit.MAX_ARCHIVE_DEPTH, v); }
        /**
         * Sets {@link LoadOptions#maxArchiveMembers()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_ARCHIVE_MEMBERS})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxArchiveMembers(int v) { return positive(Limit.MAX_ARCHIVE_MEMBERS, v); }
        /**
         * Sets {@link LoadOptions#maxArchiveBytes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_ARCHIVE_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxArchiveBytes(long v) { return positive(Limit.MAX_ARCHIVE_BYTES, v); }
        /**
         * Sets {@link LoadOptions#maxArchiveMemberBytes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_ARCHIVE_MEMBER_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxArchiveMemberBytes(long v) { return positive(Limit.MAX_ARCHIVE_MEMBER_BYTES, v); }
        /**
         * Sets {@link LoadOptions#maxArchiveRatio()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_ARCHIVE_RATIO})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxArchiveRatio(int v) { return positive(Limit.MAX_ARCHIVE_RATIO, v); }
        /**
         * Sets {@link LoadOptions#maxStreamBytes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_STREAM_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxStreamBytes(long v) { return positive(Limit.MAX_STREAM_BYTES, v); }
        /**
         * Sets {@link LoadOptions#crcPolicy()}.
         *
         * @param v the policy (default {@link CrcPolicy#SKIP})
         * @return this builder
         */
        public Builder crcPolicy(CrcPolicy v) { crcPolicy = Objects.requireNonNull(v, "crcPolicy"); return this; }
        /**
         * Sets a limit by name, as configuration files and command lines give it: the same as calling
         * the builder method of that name.
         *
         * @param setting a name from {@link LoadOptions#limitNames()}, as {@link LimitExceededException#setting()}
         *                reports it, e.g. {@code "maxTensors"}
         * @param value   the limit, at least 1 and at most what the setting's type holds
         *                ({@link Integer#MAX_VALUE} for the {@code int} settings)
         * @return this builder
         * @throws IllegalArgumentException if {@code setting} is no limit's name (the message lists them),
         *                                  or {@code value} is out of range (never truncated)
         */
        public Builder limit(String setting, long value) {
            return limit(Limit.named(setting), value);
        }

        /**
         * Sets a limit: the same as calling the builder method named {@link Limit#setting()}.
         *
         * @param limit the limit
         * @param value the limit's value, from {@link Limit#min()} to {@link Limit#max()}
         * @return this builder
         * @throws IllegalArgumentException if {@code value} is out of range (never truncated)
         */
        public Builder limit(Limit limit, long value) {
            limits[limit.ordinal()] = limit.checkedValue(value);
            return this;
        }
        /**
         * Adds globals ({@code module.qualname}) to decode as opaque inert values. Names from the
         * known-dangerous families ({@link io.ptsafe.spi.DangerousGlobals}) are refused here, at
         * configuration time, with an {@link IllegalArgumentException}.
         *
         * @param names the globals, each {@code module.qualname}
         * @return this builder
         * @throws IllegalArgumentException if a name is not {@code module.qualname} or is in a dangerous family
         */
        public Builder addInertGlobals(String... names) {
            for (String n : names) {
                Objects.requireNonNull(n, "inert global name");
                if (n.isBlank() || n.indexOf('.') <= 0 || n.endsWith(".")) {
                    throw new IllegalArgumentException("inert global must be module.qualname, was: '" + n + "'");
                }
                var family = io.ptsafe.spi.DangerousGlobals.familyOf(n);
                if (family.isPresent()) {
                    throw new IllegalArgumentException("'" + n + "' is in the known-dangerous family '"
                            + family.get() + "' and cannot be declared inert");
                }
                inertGlobals.add(n);
            }
            return this;
        }
        /**
         * Sets {@link LoadOptions#allowTorchScriptWeights()}.
         *
         * @param v whether TorchScript archives are opened for their weights (default false)
         * @return this builder
         */
        public Builder allowTorchScriptWeights(boolean v) { allowTorchScriptWeights = v; return this; }
        /** {@return the options set so far} */
        public LoadOptions build() {
            return new LoadOptions(this);
        }

        private Builder positive(Limit limit, long v) {
            if (v < limit.min()) {
                throw new IllegalArgumentException(limit.setting() + " must be at least 1, was " + v);
            }
            limits[limit.ordinal()] = v;
            return this;
        }
    }
}
