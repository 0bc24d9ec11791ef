package io.ptsafe;

import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The limits of {@link LoadOptions}, one constant each: the setting's name (as
 * {@link LoadOptions.Builder#limit(String, long)} takes it and {@link LimitExceededException#setting()}
 * reports it), its default (the {@code LoadOptions.DEFAULT_*} constant), its type and range, what it
 * bounds, and the {@link Reason} a file over it is refused with.
 *
 * <p>Code that reads a file checks a value with {@link #check(LoadOptions, long, Path, String)}, or,
 * where it compares on its own, builds the refusal with {@link #exceeded(Path, String, long, long)};
 * either way the message names the place, the value, the limit and the setting to change:
 * "{@code place}: {@code value} is over the limit of {@code limit} (LoadOptions.{@code setting})".
 */
public enum Limit {
    /** See {@link LoadOptions#DEFAULT_MAX_HEADER_BYTES}. */
    MAX_HEADER_BYTES("maxHeaderBytes", LoadOptions.DEFAULT_MAX_HEADER_BYTES, Long.MAX_VALUE, Reason.HEADER_TOO_LARGE,
            "bytes of a safetensors header (as the reference), and of a shard index file"),
    /** See {@link LoadOptions#DEFAULT_MAX_JSON_DEPTH}. */
    MAX_JSON_DEPTH("maxJsonDepth", LoadOptions.DEFAULT_MAX_JSON_DEPTH, Integer.MAX_VALUE, Reason.HEADER_TOO_DEEP,
            "nesting of JSON objects and arrays in a header or index (a legal header needs 3)"),
    /** See {@link LoadOptions#DEFAULT_MAX_TENSORS}. */
    MAX_TENSORS("maxTensors", LoadOptions.DEFAULT_MAX_TENSORS, Integer.MAX_VALUE, Reason.TOO_MANY_TENSORS,
            "tensors in one file or one sharded set"),
    /** See {@link LoadOptions#DEFAULT_MAX_RANK}. */
    MAX_RANK("maxRank", LoadOptions.DEFAULT_MAX_RANK, Integer.MAX_VALUE, Reason.TOO_MANY_DIMENSIONS,
            "dimensions of one tensor"),
    /** See {@link LoadOptions#DEFAULT_MAX_STRING_LENGTH}. */
    MAX_STRING_LENGTH("maxStringLength", LoadOptions.DEFAULT_MAX_STRING_LENGTH, Integer.MAX_VALUE,
            Reason.STRING_TOO_LONG, "characters of a tensor name, a metadata key or value, any JSON string"),
    /** See {@link LoadOptions#DEFAULT_MAX_SHARDS}. */
    MAX_SHARDS("maxShards", LoadOptions.DEFAULT_MAX_SHARDS, Integer.MAX_VALUE, Reason.TOO_MANY_SHARDS,
            "shards of a sharded checkpoint"),
    /** See {@link LoadOptions#DEFAULT_MAX_PICKLE_BYTES}. */
    MAX_PICKLE_BYTES("maxPickleBytes", LoadOptions.DEFAULT_MAX_PICKLE_BYTES, Long.MAX_VALUE, Reason.PICKLE_LIMIT,
            "bytes of one pickle (data.pkl, or one pickle of a legacy file)"),
    /** See {@link LoadOptions#DEFAULT_MAX_PICKLE_OPCODES}. */
    MAX_PICKLE_OPCODES("maxPickleOpcodes", LoadOptions.DEFAULT_MAX_PICKLE_OPCODES, Long.MAX_VALUE,
            Reason.PICKLE_LIMIT, "opcodes the pickle machine runs for one pickle"),
    /** See {@link LoadOptions#DEFAULT_MAX_STACK_SIZE}. */
    MAX_STACK_SIZE("maxStackSize", LoadOptions.DEFAULT_MAX_STACK_SIZE, Integer.MAX_VALUE, Reason.PICKLE_LIMIT,
            "values (and MARKs) on the pickle stack at once"),
    /** See {@link LoadOptions#DEFAULT_MAX_NESTING_DEPTH}. */
    MAX_NESTING_DEPTH("maxNestingDepth", LoadOptions.DEFAULT_MAX_NESTING_DEPTH, Integer.MAX_VALUE,
            Reason.PICKLE_LIMIT, "nesting of containers in the decoded values, and of MARKs"),
    /** See {@link LoadOptions#DEFAULT_MAX_MEMO_ENTRIES}. */
    MAX_MEMO_ENTRIES("maxMemoEntries", LoadOptions.DEFAULT_MAX_MEMO_ENTRIES, Integer.MAX_VALUE, Reason.PICKLE_LIMIT,
            "pickle memo entries, and the largest memo index used"),
    /** See {@link LoadOptions#DEFAULT_MAX_PICKLE_STRING_BYTES}. */
    MAX_PICKLE_STRING_BYTES("maxPickleStringBytes", LoadOptions.DEFAULT_MAX_PICKLE_STRING_BYTES, Integer.MAX_VALUE,
            Reason.PICKLE_LIMIT, "bytes of one pickled str or bytes"),
    /** See {@link LoadOptions#DEFAULT_MAX_CONTAINER_ITEMS}. */
    MAX_CONTAINER_ITEMS("maxContainerItems", LoadOptions.DEFAULT_MAX_CONTAINER_ITEMS, Integer.MAX_VALUE,
            Reason.PICKLE_LIMIT,
            "items of one decoded list, tuple, dict or set; keys of one JSON object (__metadata__ entries)"),
    /** See {@link LoadOptions#DEFAULT_MAX_INT_BYTES}. */
    MAX_INT_BYTES("maxIntBytes", LoadOptions.DEFAULT_MAX_INT_BYTES, Integer.MAX_VALUE, Reason.PICKLE_LIMIT,
            "bytes (digits) of one pickled integer"),
    /** See {@link LoadOptions#maxDecodedBytes()} and {@link LoadOptions#DEFAULT_MAX_DECODED_BYTES}. */
    MAX_DECODED_BYTES("maxDecodedBytes", LoadOptions.DEFAULT_MAX_DECODED_BYTES, Long.MAX_VALUE, Reason.PICKLE_LIMIT,
            "estimated heap of everything the pickles of one file decode to (values, memo, tree, tensors), "
                    + "charged as they are made; a 100,000-tensor state dict takes ~55 MiB (zip), ~64 MiB (legacy)"),
    /** See {@link LoadOptions#DEFAULT_MAX_ZIP_ENTRIES}. */
    MAX_ZIP_ENTRIES("maxZipEntries", LoadOptions.DEFAULT_MAX_ZIP_ENTRIES, Integer.MAX_VALUE, Reason.TOO_MANY_ENTRIES,
            "entries of a zip container"),
    /** See {@link LoadOptions#DEFAULT_MAX_INFLATED_BYTES}. */
    MAX_INFLATED_BYTES("maxInflatedBytes", LoadOptions.DEFAULT_MAX_INFLATED_BYTES, Long.MAX_VALUE, Reason.ZIP_BOMB,
            "bytes the DEFLATED records of a zip inflate to, all together"),
    /** See {@link LoadOptions#DEFAULT_MAX_COMPRESSION_RATIO}. */
    MAX_COMPRESSION_RATIO("maxCompressionRatio", LoadOptions.DEFAULT_MAX_COMPRESSION_RATIO, Integer.MAX_VALUE,
            Reason.ZIP_BOMB, "inflated to compressed bytes of one DEFLATED record"),
    /** See {@link LoadOptions#DEFAULT_MAX_ARCHIVE_DEPTH}. */
    MAX_ARCHIVE_DEPTH("maxArchiveDepth", LoadOptions.DEFAULT_MAX_ARCHIVE_DEPTH, Integer.MAX_VALUE,
            Reason.ARCHIVE_LIMIT,
            "archives nested in one another that a tree scan (SafeLoader.scanTree, ptsafe scan) opens"),
    /** See {@link LoadOptions#DEFAULT_MAX_ARCHIVE_MEMBERS}. */
    MAX_ARCHIVE_MEMBERS("maxArchiveMembers", LoadOptions.DEFAULT_MAX_ARCHIVE_MEMBERS, Integer.MAX_VALUE,
            Reason.ARCHIVE_LIMIT, "members of one archive a tree scan opens, nested archives' included"),
    /** See {@link LoadOptions#DEFAULT_MAX_ARCHIVE_BYTES}. */
    MAX_ARCHIVE_BYTES("maxArchiveBytes", LoadOptions.DEFAULT_MAX_ARCHIVE_BYTES, Long.MAX_VALUE, Reason.ARCHIVE_LIMIT,
            "bytes a tree scan extracts from one archive, nested archives' included"),
    /** See {@link LoadOptions#DEFAULT_MAX_ARCHIVE_MEMBER_BYTES}. */
    MAX_ARCHIVE_MEMBER_BYTES("maxArchiveMemberBytes", LoadOptions.DEFAULT_MAX_ARCHIVE_MEMBER_BYTES, Long.MAX_VALUE,
            Reason.ARCHIVE_LIMIT, "bytes of one archive member (one temporary file, deleted once scanned)"),
    /** See {@link LoadOptions#DEFAULT_MAX_ARCHIVE_RATIO}. */
    MAX_ARCHIVE_RATIO("maxArchiveRatio", LoadOptions.DEFAULT_MAX_ARCHIVE_RATIO, Integer.MAX_VALUE,
            Reason.ARCHIVE_LIMIT, "extracted to compressed bytes of an archive member or stream, past 1 MiB"),
    /** See {@link LoadOptions#DEFAULT_MAX_STREAM_BYTES}. */
    MAX_STREAM_BYTES("maxStreamBytes", LoadOptions.DEFAULT_MAX_STREAM_BYTES, Long.MAX_VALUE, Reason.TOO_LARGE,
            "bytes read from a stream or upload to scan (SafeLoader.scan(InputStream), UploadScanner)");

    private static final Map<String, Limit> BY_NAME = byName();

    private final String setting;
    private final long defaultValue;
    private final long max;
    private final Reason reason;
    private final String description;

    Limit(String setting, long defaultValue, long max, Reason reason, String description) {
        this.setting = setting;
        this.defaultValue = defaultValue;
        this.max = max;
        this.reason = reason;
        this.description = description;
    }

    /**
     * {@return the setting's name: the {@link LoadOptions} accessor and builder method, the name
     * {@link LoadOptions.Builder#limit(String, long)} takes, e.g. {@code "maxTensors"}}
     */
    public String setting() {
        return setting;
    }

    /** {@return the default, the value of the {@code LoadOptions.DEFAULT_*} constant of this limit} */
    public long defaultValue() {
        return defaultValue;
    }

    /** {@return the setting's Java type: {@code int.class} or {@code long.class}} */
    public Class<?> type() {
        return max == Integer.MAX_VALUE ? int.class : long.class;
    }

    /** {@return the smallest value the setting takes: 1} */
    public long min() {
        return 1;
    }

    /** {@return the largest value the setting takes: the largest its {@link #type()} holds} */
    public long max() {
        return max;
    }

    /** {@return the rule a file over this limit is refused with, where the check site names no other} */
    public Reason reason() {
        return reason;
    }

    /** {@return what the limit bounds, in one line} */
    public String description() {
        return description;
    }

    /**
     * Refuses a value over this limit as set in {@code options}.
     *
     * @param options the limits in force
     * @param value   the value read from the file (a count, a length, a depth)
     * @param file    the file read, or null where there is none
     * @param place   what was measured and where, such as "tensor count at tensor 'fc.weight'"
     * @throws LimitExceededException if {@code value} is over the limit, with {@link #reason()}
     */
    public void check(LoadOptions options, long value, Path file, String place) throws LimitExceededException {
        long limit = options.limit(this);
        if (value > limit) {
            throw exceeded(file, place, value, limit);
        }
    }

    /**
     * The refusal of a value over this limit, for a site that compares on its own.
     *
     * @param file  the file read, or null where there is none
     * @param place what was measured and where
     * @param value the value read from the file
     * @param limit the limit in force
     * @return the refusal, with {@link #reason()}
     */
    public LimitExceededException exceeded(Path file, String place, long value, long limit) {
        return new LimitExceededException(reason, file, place, this, value, limit);
    }

    /**
     * The refusal of a value over this limit, with the rule of the site that found it where that is
     * not {@link #reason()} (a JSON object's keys are a malformed header, a pickle's container items a
     * pickle limit).
     *
     * @param reason the rule that refuses the file
     * @param file   the file read, or null where there is none
     * @param place  what was measured and where
     * @param value  the value read from the file
     * @param limit  the limit in force
     * @return the refusal
     */
    public LimitExceededException exceeded(Reason reason, Path file, String place, long value, long limit) {
        return new LimitExceededException(reason, file, place, this, value, limit);
    }

    /**
     * Finds a limit by its setting's name.
     *
     * @param setting a name such as {@code "maxTensors"}
     * @return the limit
     * @throws IllegalArgumentException if {@code setting} is no limit's name (the message lists them)
     * @throws NullPointerException     if {@code setting} is null
     */
    public static Limit named(String setting) {
        Objects.requireNonNull(setting, "setting");
        Limit l = BY_NAME.get(setting);
        if (l == null) {
            throw new IllegalArgumentException("unknown limit '" + setting + "'; the limits are: "
                    + String.join(", ", BY_NAME.keySet()));
        }
        return l;
    }

    /** {@return the limits by setting name, in alphabetical order, unmodifiable} */
    static Map<String, Limit> bySetting() {
        return BY_NAME;
    }

    /**
     * Checks a value given for this setting.
     *
     * @param value the value
     * @return {@code value}
     * @throws IllegalArgumentException if it is outside {@link #min()}..{@link #max()}
     */
    long checkedValue(long value) {
        if (value < min() || value > max) {
            throw new IllegalArgumentException(setting + " must be between " + min() + " and " + max + ", was " + value);
        }
        return value;
    }

    private static Map<String, Limit> byName() {
        Map<String, Limit> m = new TreeMap<>();
        for (Limit l : values()) {
            if (m.put(l.setting, l) != null) {
                throw new AssertionError("two limits named " + l.setting);
            }
        }
        return Collections.unmodifiableMap(m);
    }
}
