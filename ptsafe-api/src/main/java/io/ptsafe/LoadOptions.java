package io.ptsafe;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ObjIntConsumer;
import java.util.function.ObjLongConsumer;
import java.util.function.ToLongFunction;

/**
 * Limits on everything a file controls, and the few choices a caller makes when opening one.
 * Immutable; build with {@link #builder()}. Every limit has a documented {@code DEFAULT_*} constant;
 * a file over a limit is refused with a {@link LimitExceededException} naming the setting to change.
 *
 * <p>The defaults accept every real checkpoint we know of (the largest public models have a few
 * thousand tensors and data.pkl files of a few MB) while bounding what a hostile file can make
 * ptsafe allocate or do.
 *
 * <p>Each limit also has a name: its accessor's and builder method's, which is what
 * {@link LimitExceededException#setting()} reports. Configuration and command lines set limits by
 * name with {@link Builder#limit(String, long)}, read them with {@link #limit(String)}, and list them
 * with {@link #limitNames()}.
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
     * {@link #maxDecodedBytes()}): 192 MiB. Chosen so that a state dict of 100,000 tensors loads with
     * room to spare (it is charged 140 MiB as a zip checkpoint, 160 MiB as a legacy stream; one of
     * 20,000 tensors 28 MiB, the test checkpoints under 64 KiB), while a hostile file is refused
     * before its decoded values take more than about 200 MB, inside a 256 MB heap.
     */
    public static final long DEFAULT_MAX_DECODED_BYTES = 192L << 20;
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

    private final long maxHeaderBytes;
    private final int maxJsonDepth;
    private final int maxTensors;
    private final int maxRank;
    private final int maxStringLength;
    private final int maxShards;
    private final long maxPickleBytes;
    private final long maxPickleOpcodes;
    private final int maxStackSize;
    private final int maxNestingDepth;
    private final int maxMemoEntries;
    private final int maxPickleStringBytes;
    private final int maxContainerItems;
    private final int maxIntBytes;
    private final long maxDecodedBytes;
    private final int maxZipEntries;
    private final long maxInflatedBytes;
    private final int maxCompressionRatio;
    private final int maxArchiveDepth;
    private final int maxArchiveMembers;
    private final long maxArchiveBytes;
    private final long maxArchiveMemberBytes;
    private final int maxArchiveRatio;
    private final CrcPolicy crcPolicy;
    private final Set<String> inertGlobals;

    private LoadOptions(Builder b) {
        this.maxHeaderBytes = b.maxHeaderBytes;
        this.maxJsonDepth = b.maxJsonDepth;
        this.maxTensors = b.maxTensors;
        this.maxRank = b.maxRank;
        this.maxStringLength = b.maxStringLength;
        this.maxShards = b.maxShards;
        this.maxPickleBytes = b.maxPickleBytes;
        this.maxPickleOpcodes = b.maxPickleOpcodes;
        this.maxStackSize = b.maxStackSize;
        this.maxNestingDepth = b.maxNestingDepth;
        this.maxMemoEntries = b.maxMemoEntries;
        this.maxPickleStringBytes = b.maxPickleStringBytes;
        this.maxContainerItems = b.maxContainerItems;
        this.maxIntBytes = b.maxIntBytes;
        this.maxDecodedBytes = b.maxDecodedBytes;
        this.maxZipEntries = b.maxZipEntries;
        this.maxInflatedBytes = b.maxInflatedBytes;
        this.maxCompressionRatio = b.maxCompressionRatio;
        this.maxArchiveDepth = b.maxArchiveDepth;
        this.maxArchiveMembers = b.maxArchiveMembers;
        this.maxArchiveBytes = b.maxArchiveBytes;
        this.maxArchiveMemberBytes = b.maxArchiveMemberBytes;
        this.maxArchiveRatio = b.maxArchiveRatio;
        this.crcPolicy = b.crcPolicy;
        this.inertGlobals = Set.copyOf(b.inertGlobals);
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
    public long maxHeaderBytes() { return maxHeaderBytes; }
    /** {@return the limit; see {@link #DEFAULT_MAX_JSON_DEPTH}} */
    public int maxJsonDepth() { return maxJsonDepth; }
    /** {@return the limit; see {@link #DEFAULT_MAX_TENSORS}} */
    public int maxTensors() { return maxTensors; }
    /** {@return the limit; see {@link #DEFAULT_MAX_RANK}} */
    public int maxRank() { return maxRank; }
    /** {@return the limit; see {@link #DEFAULT_MAX_STRING_LENGTH}} */
    public int maxStringLength() { return maxStringLength; }
    /** {@return the limit; see {@link #DEFAULT_MAX_SHARDS}} */
    public int maxShards() { return maxShards; }
    /** {@return the limit; see {@link #DEFAULT_MAX_PICKLE_BYTES}} */
    public long maxPickleBytes() { return maxPickleBytes; }
    /** {@return the limit; see {@link #DEFAULT_MAX_PICKLE_OPCODES}} */
    public long maxPickleOpcodes() { return maxPickleOpcodes; }
    /** {@return the limit; see {@link #DEFAULT_MAX_STACK_SIZE}} */
    public int maxStackSize() { return maxStackSize; }
    /** {@return the limit; see {@link #DEFAULT_MAX_NESTING_DEPTH}} */
    public int maxNestingDepth() { return maxNestingDepth; }
    /** {@return the limit; see {@link #DEFAULT_MAX_MEMO_ENTRIES}} */
    public int maxMemoEntries() { return maxMemoEntries; }
    /** {@return the limit; see {@link #DEFAULT_MAX_PICKLE_STRING_BYTES}} */
    public int maxPickleStringBytes() { return maxPickleStringBytes; }
    /** {@return the limit; see {@link #DEFAULT_MAX_CONTAINER_ITEMS}} */
    public int maxContainerItems() { return maxContainerItems; }
    /** {@return the limit; see {@link #DEFAULT_MAX_INT_BYTES}} */
    public int maxIntBytes() { return maxIntBytes; }

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
    public long maxDecodedBytes() { return maxDecodedBytes; }
    /** {@return the limit; see {@link #DEFAULT_MAX_ZIP_ENTRIES}} */
    public int maxZipEntries() { return maxZipEntries; }
    /** {@return the limit; see {@link #DEFAULT_MAX_INFLATED_BYTES}} */
    public long maxInflatedBytes() { return maxInflatedBytes; }
    /** {@return the limit; see {@link #DEFAULT_MAX_COMPRESSION_RATIO}} */
    public int maxCompressionRatio() { return maxCompressionRatio; }
    /** {@return the limit; see {@link #DEFAULT_MAX_ARCHIVE_DEPTH}} */
    public int maxArchiveDepth() { return maxArchiveDepth; }
    /** {@return the limit; see {@link #DEFAULT_MAX_ARCHIVE_MEMBERS}} */
    public int maxArchiveMembers() { return maxArchiveMembers; }
    /** {@return the limit; see {@link #DEFAULT_MAX_ARCHIVE_BYTES}} */
    public long maxArchiveBytes() { return maxArchiveBytes; }
    /** {@return the limit; see {@link #DEFAULT_MAX_ARCHIVE_MEMBER_BYTES}} */
    public long maxArchiveMemberBytes() { return maxArchiveMemberBytes; }
    /** {@return the limit; see {@link #DEFAULT_MAX_ARCHIVE_RATIO}} */
    public int maxArchiveRatio() { return maxArchiveRatio; }
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
     * Reads a limit by name, so tools can print the limits in effect.
     *
     * @param setting a name from {@link #limitNames()}, e.g. {@code "maxTensors"}
     * @return the value its accessor returns
     * @throws IllegalArgumentException if {@code setting} is no limit's name (the message lists them)
     */
    public long limit(String setting) {
        return Limit.named(setting).get().applyAsLong(this);
    }

    /**
     * The names of the limits, in alphabetical order: the {@code max*} accessors and builder methods,
     * and every value {@link LimitExceededException#setting()} can report.
     *
     * @return the names, unmodifiable
     */
    public static Set<String> limitNames() {
        return LIMITS.keySet();
    }

    @Override
    public String toString() {
        return "LoadOptions{maxHeaderBytes=" + maxHeaderBytes + ", maxJsonDepth=" + maxJsonDepth
                + ", maxTensors=" + maxTensors + ", maxRank=" + maxRank + ", maxStringLength=" + maxStringLength
                + ", maxShards=" + maxShards + ", maxPickleBytes=" + maxPickleBytes
                + ", maxPickleOpcodes=" + maxPickleOpcodes + ", maxStackSize=" + maxStackSize
                + ", maxNestingDepth=" + maxNestingDepth + ", maxMemoEntries=" + maxMemoEntries
                + ", maxPickleStringBytes=" + maxPickleStringBytes + ", maxContainerItems=" + maxContainerItems
                + ", maxIntBytes=" + maxIntBytes + ", maxDecodedBytes=" + maxDecodedBytes
                + ", maxZipEntries=" + maxZipEntries
                + ", maxInflatedBytes=" + maxInflatedBytes + ", maxCompressionRatio=" + maxCompressionRatio
                + ", maxArchiveDepth=" + maxArchiveDepth + ", maxArchiveMembers=" + maxArchiveMembers
                + ", maxArchiveBytes=" + maxArchiveBytes + ", maxArchiveMemberBytes=" + maxArchiveMemberBytes
                + ", maxArchiveRatio=" + maxArchiveRatio + ", crcPolicy=" + crcPolicy + ", inertGlobals=" + new TreeSet<>(inertGlobals) + "}";
    }

    /** Builds {@link LoadOptions}; every setter rejects values below 1 (or below 0 where 0 makes sense). */
    public static final class Builder {
        private long maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES;
        private int maxJsonDepth = DEFAULT_MAX_JSON_DEPTH;
        private int maxTensors = DEFAULT_MAX_TENSORS;
        private int maxRank = DEFAULT_MAX_RANK;
        private int maxStringLength = DEFAULT_MAX_STRING_LENGTH;
        private int maxShards = DEFAULT_MAX_SHARDS;
        private long maxPickleBytes = DEFAULT_MAX_PICKLE_BYTES;
        private long maxPickleOpcodes = DEFAULT_MAX_PICKLE_OPCODES;
        private int maxStackSize = DEFAULT_MAX_STACK_SIZE;
        private int maxNestingDepth = DEFAULT_MAX_NESTING_DEPTH;
        private int maxMemoEntries = DEFAULT_MAX_MEMO_ENTRIES;
        private int maxPickleStringBytes = DEFAULT_MAX_PICKLE_STRING_BYTES;
        private int maxContainerItems = DEFAULT_MAX_CONTAINER_ITEMS;
        private int maxIntBytes = DEFAULT_MAX_INT_BYTES;
        private long maxDecodedBytes = DEFAULT_MAX_DECODED_BYTES;
        private int maxZipEntries = DEFAULT_MAX_ZIP_ENTRIES;
        private long maxInflatedBytes = DEFAULT_MAX_INFLATED_BYTES;
        private int maxCompressionRatio = DEFAULT_MAX_COMPRESSION_RATIO;
        private int maxArchiveDepth = DEFAULT_MAX_ARCHIVE_DEPTH;
        private int maxArchiveMembers = DEFAULT_MAX_ARCHIVE_MEMBERS;
        private long maxArchiveBytes = DEFAULT_MAX_ARCHIVE_BYTES;
        private long maxArchiveMemberBytes = DEFAULT_MAX_ARCHIVE_MEMBER_BYTES;
        private int maxArchiveRatio = DEFAULT_MAX_ARCHIVE_RATIO;
        private CrcPolicy crcPolicy = CrcPolicy.SKIP;
        private final Set<String> inertGlobals = new TreeSet<>();

        private Builder() {
        }

        private Builder(LoadOptions o) {
            maxHeaderBytes = o.maxHeaderBytes;
            maxJsonDepth = o.maxJsonDepth;
            maxTensors = o.maxTensors;
            maxRank = o.maxRank;
            maxStringLength = o.maxStringLength;
            maxShards = o.maxShards;
            maxPickleBytes = o.maxPickleBytes;
            maxPickleOpcodes = o.maxPickleOpcodes;
            maxStackSize = o.maxStackSize;
            maxNestingDepth = o.maxNestingDepth;
            maxMemoEntries = o.maxMemoEntries;
            maxPickleStringBytes = o.maxPickleStringBytes;
            maxContainerItems = o.maxContainerItems;
            maxIntBytes = o.maxIntBytes;
            maxDecodedBytes = o.maxDecodedBytes;
            maxZipEntries = o.maxZipEntries;
            maxInflatedBytes = o.maxInflatedBytes;
            maxCompressionRatio = o.maxCompressionRatio;
            maxArchiveDepth = o.maxArchiveDepth;
            maxArchiveMembers = o.maxArchiveMembers;
            maxArchiveBytes = o.maxArchiveBytes;
            maxArchiveMemberBytes = o.maxArchiveMemberBytes;
            maxArchiveRatio = o.maxArchiveRatio;
            crcPolicy = o.crcPolicy;
            inertGlobals.addAll(o.inertGlobals);
        }

        /**

         * Sets {@link LoadOptions#maxHeaderBytes()}.

         *

         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_HEADER_BYTES})

         * @return this builder

         * @throws IllegalArgumentException if {@code v} is below 1

         */

        public Builder maxHeaderBytes(long v) { maxHeaderBytes = positive("maxHeaderBytes", v); return this; }
        /**
         * Sets {@link LoadOptions#maxJsonDepth()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_JSON_DEPTH})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxJsonDepth(int v) { maxJsonDepth = (int) positive("maxJsonDepth", v); return this; }
        /**
         * Sets {@link LoadOptions#maxTensors()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_TENSORS})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxTensors(int v) { maxTensors = (int) positive("maxTensors", v); return this; }
        /**
         * Sets {@link LoadOptions#maxRank()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_RANK})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxRank(int v) { maxRank = (int) positive("maxRank", v); return this; }
        /**
         * Sets {@link LoadOptions#maxStringLength()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_STRING_LENGTH})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxStringLength(int v) { maxStringLength = (int) positive("maxStringLength", v); return this; }
        /**
         * Sets {@link LoadOptions#maxShards()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_SHARDS})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxShards(int v) { maxShards = (int) positive("maxShards", v); return this; }
        /**
         * Sets {@link LoadOptions#maxPickleBytes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_PICKLE_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxPickleBytes(long v) { maxPickleBytes = positive("maxPickleBytes", v); return this; }
        /**
         * Sets {@link LoadOptions#maxPickleOpcodes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_PICKLE_OPCODES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxPickleOpcodes(long v) { maxPickleOpcodes = positive("maxPickleOpcodes", v); return this; }
        /**
         * Sets {@link LoadOptions#maxStackSize()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_STACK_SIZE})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxStackSize(int v) { maxStackSize = (int) positive("maxStackSize", v); return this; }
        /**
         * Sets {@link LoadOptions#maxNestingDepth()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_NESTING_DEPTH})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxNestingDepth(int v) { maxNestingDepth = (int) positive("maxNestingDepth", v); return this; }
        /**
         * Sets {@link LoadOptions#maxMemoEntries()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_MEMO_ENTRIES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxMemoEntries(int v) { maxMemoEntries = (int) positive("maxMemoEntries", v); return this; }
        /**
         * Sets {@link LoadOptions#maxPickleStringBytes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_PICKLE_STRING_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxPickleStringBytes(int v) { maxPickleStringBytes = (int) positive("maxPickleStringBytes", v); return this; }
        /**
         * Sets {@link LoadOptions#maxContainerItems()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_CONTAINER_ITEMS})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxContainerItems(int v) { maxContainerItems = (int) positive("maxContainerItems", v); return this; }
        /**
         * Sets {@link LoadOptions#maxIntBytes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_INT_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxIntBytes(int v) { maxIntBytes = (int) positive("maxIntBytes", v); return this; }
        /**
         * Sets {@link LoadOptions#maxDecodedBytes()}.
         *
         * @param v the limit in estimated heap bytes, at least 1 (default {@link LoadOptions#DEFAULT_MAX_DECODED_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxDecodedBytes(long v) { maxDecodedBytes = positive("maxDecodedBytes", v); return this; }
        /**
         * Sets {@link LoadOptions#maxZipEntries()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_ZIP_ENTRIES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxZipEntries(int v) { maxZipEntries = (int) positive("maxZipEntries", v); return this; }
        /**
         * Sets {@link LoadOptions#maxInflatedBytes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_INFLATED_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxInflatedBytes(long v) { maxInflatedBytes = positive("maxInflatedBytes", v); return this; }
        /**
         * Sets {@link LoadOptions#maxCompressionRatio()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_COMPRESSION_RATIO})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxCompressionRatio(int v) { maxCompressionRatio = (int) positive("maxCompressionRatio", v); return this; }
        /**
         * Sets {@link LoadOptions#maxArchiveDepth()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_ARCHIVE_DEPTH})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxArchiveDepth(int v) { maxArchiveDepth = (int) positive("maxArchiveDepth", v); return this; }
        /**
         * Sets {@link LoadOptions#maxArchiveMembers()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_ARCHIVE_MEMBERS})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxArchiveMembers(int v) { maxArchiveMembers = (int) positive("maxArchiveMembers", v); return this; }
        /**
         * Sets {@link LoadOptions#maxArchiveBytes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_ARCHIVE_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxArchiveBytes(long v) { maxArchiveBytes = positive("maxArchiveBytes", v); return this; }
        /**
         * Sets {@link LoadOptions#maxArchiveMemberBytes()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_ARCHIVE_MEMBER_BYTES})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxArchiveMemberBytes(long v) { maxArchiveMemberBytes = positive("maxArchiveMemberBytes", v); return this; }
        /**
         * Sets {@link LoadOptions#maxArchiveRatio()}.
         *
         * @param v the limit, at least 1 (default {@link LoadOptions#DEFAULT_MAX_ARCHIVE_RATIO})
         * @return this builder
         * @throws IllegalArgumentException if {@code v} is below 1
         */
        public Builder maxArchiveRatio(int v) { maxArchiveRatio = (int) positive("maxArchiveRatio", v); return this; }
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
            Limit l = Limit.named(setting);
            if (value < 1 || value > l.max()) {
                throw new IllegalArgumentException(setting + " must be between 1 and " + l.max() + ", was " + value);
            }
            l.set().accept(this, value);
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

        /** {@return the options set so far} */
        public LoadOptions build() {
            return new LoadOptions(this);
        }

        private static long positive(String name, long v) {
            if (v < 1) {
                throw new IllegalArgumentException(name + " must be at least 1, was " + v);
            }
            return v;
        }
    }

    /**
     * The limits by name, a plain table rather than reflection. A new limit is one line here; the
     * tests check that every setting a refusal can name is in it.
     */
    private static final Map<String, Limit> LIMITS = Limit.table(
            Limit.ofLong("maxHeaderBytes", LoadOptions::maxHeaderBytes, Builder::maxHeaderBytes),
            Limit.ofInt("maxJsonDepth", LoadOptions::maxJsonDepth, Builder::maxJsonDepth),
            Limit.ofInt("maxTensors", LoadOptions::maxTensors, Builder::maxTensors),
            Limit.ofInt("maxRank", LoadOptions::maxRank, Builder::maxRank),
            Limit.ofInt("maxStringLength", LoadOptions::maxStringLength, Builder::maxStringLength),
            Limit.ofInt("maxShards", LoadOptions::maxShards, Builder::maxShards),
            Limit.ofLong("maxPickleBytes", LoadOptions::maxPickleBytes, Builder::maxPickleBytes),
            Limit.ofLong("maxPickleOpcodes", LoadOptions::maxPickleOpcodes, Builder::maxPickleOpcodes),
            Limit.ofInt("maxStackSize", LoadOptions::maxStackSize, Builder::maxStackSize),
            Limit.ofInt("maxNestingDepth", LoadOptions::maxNestingDepth, Builder::maxNestingDepth),
            Limit.ofInt("maxMemoEntries", LoadOptions::maxMemoEntries, Builder::maxMemoEntries),
            Limit.ofInt("maxPickleStringBytes", LoadOptions::maxPickleStringBytes, Builder::maxPickleStringBytes),
            Limit.ofInt("maxContainerItems", LoadOptions::maxContainerItems, Builder::maxContainerItems),
            Limit.ofInt("maxIntBytes", LoadOptions::maxIntBytes, Builder::maxIntBytes),
            Limit.ofInt("maxZipEntries", LoadOptions::maxZipEntries, Builder::maxZipEntries),
            Limit.ofLong("maxInflatedBytes", LoadOptions::maxInflatedBytes, Builder::maxInflatedBytes),
            Limit.ofInt("maxCompressionRatio", LoadOptions::maxCompressionRatio, Builder::maxCompressionRatio),
            Limit.ofLong("maxDecodedBytes", LoadOptions::maxDecodedBytes, Builder::maxDecodedBytes),
            Limit.ofInt("maxArchiveDepth", LoadOptions::maxArchiveDepth, Builder::maxArchiveDepth),
            Limit.ofInt("maxArchiveMembers", LoadOptions::maxArchiveMembers, Builder::maxArchiveMembers),
            Limit.ofLong("maxArchiveBytes", LoadOptions::maxArchiveBytes, Builder::maxArchiveBytes),
            Limit.ofLong("maxArchiveMemberBytes", LoadOptions::maxArchiveMemberBytes, Builder::maxArchiveMemberBytes),
            Limit.ofInt("maxArchiveRatio", LoadOptions::maxArchiveRatio, Builder::maxArchiveRatio));

    /** One limit: how to read it, how to set it, and the largest value its type holds. */
    private record Limit(String name, long max, ToLongFunction<LoadOptions> get, ObjLongConsumer<Builder> set) {
        static Limit ofInt(String name, ToLongFunction<LoadOptions> get, ObjIntConsumer<Builder> set) {
            // Builder.limit checked the range, so the cast cannot truncate
            return new Limit(name, Integer.MAX_VALUE, get, (b, v) -> set.accept(b, (int) v));
        }

        static Limit ofLong(String name, ToLongFunction<LoadOptions> get, ObjLongConsumer<Builder> set) {
            return new Limit(name, Long.MAX_VALUE, get, set);
        }

        static Map<String, Limit> table(Limit... limits) {
            Map<String, Limit> m = new TreeMap<>();
            for (Limit l : limits) {
                if (m.put(l.name(), l) != null) {
                    throw new AssertionError("two limits named " + l.name());
                }
            }
            return Collections.unmodifiableMap(m);
        }

        static Limit named(String setting) {
            Objects.requireNonNull(setting, "setting");
            Limit l = LIMITS.get(setting);
            if (l == null) {
                throw new IllegalArgumentException("unknown limit '" + setting + "'; the limits are: "
                        + String.join(", ", LIMITS.keySet()));
            }
            return l;
        }
    }
}
