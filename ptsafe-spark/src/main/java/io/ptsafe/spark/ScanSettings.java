package io.ptsafe.spark;

import io.ptsafe.ByteSize;
import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The data source's options, checked on the driver and shipped to the executors (where
 * {@link #loadOptions()} rebuilds the {@link LoadOptions}). Every option is documented in the
 * module's README; an unknown one is refused, so a misspelt limit never passes silently.
 */
final class ScanSettings implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Default {@code maxRemoteFileBytes}: the largest file copied from a remote file system, 16 GiB. */
    static final long DEFAULT_MAX_REMOTE_FILE_BYTES = 16L << 30;
    static final String MODE = "mode";
    static final String LIMIT_PREFIX = "limit.";
    static final String CRC = "crc";
    static final String INERT = "inert";
    static final String MAX_REMOTE_FILE_BYTES = "maxRemoteFileBytes";
    static final String LOCAL_TEMP_DIR = "localTempDir";
    static final String HASH_FILES = "hashFiles";
    static final String MAX_PARTITIONS = "maxPartitions";
    private static final Set<String> OTHERS = Set.of("path", "paths", MODE, CRC, INERT, MAX_REMOTE_FILE_BYTES,
            LOCAL_TEMP_DIR, HASH_FILES, MAX_PARTITIONS);

    final Mode mode;
    /** Limit setting names ({@link Limit#setting()}) to values. */
    private final TreeMap<String, Long> limits;
    private final boolean crc;
    private final ArrayList<String> inert;
    final long maxRemoteFileBytes;
    /** Where remote files are copied on the executors; null for {@code java.io.tmpdir}. */
    final String localTempDir;
    final boolean hashFiles;
    /** At most this many input partitions; 0 for four per default-parallelism slot. */
    final int maxPartitions;

    private ScanSettings(Mode mode, TreeMap<String, Long> limits, boolean crc, ArrayList<String> inert,
            long maxRemoteFileBytes, String localTempDir, boolean hashFiles, int maxPartitions) {
        this.mode = mode;
        this.limits = limits;
        this.crc = crc;
        this.inert = inert;
        this.maxRemoteFileBytes = maxRemoteFileBytes;
        this.localTempDir = localTempDir;
        this.hashFiles = hashFiles;
        this.maxPartitions = maxPartitions;
    }

    /**
     * Reads the options (keys compared without case, as Spark passes them).
     *
     * @throws IllegalArgumentException for an unknown option or a bad value
     */
    static ScanSettings of(Map<String, String> options) {
        Map<String, String> lower = new TreeMap<>();
        options.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
        Map<String, String> limitNames = new TreeMap<>();
        for (String n : LoadOptions.limitNames()) {
            limitNames.put((LIMIT_PREFIX + n).toLowerCase(Locale.ROOT), n);
        }
        Set<String> known = new java.util.HashSet<>(limitNames.keySet());
        OTHERS.forEach(o -> known.add(o.toLowerCase(Locale.ROOT)));
        for (String k : lower.keySet()) {
            if (!known.contains(k)) {
                throw new IllegalArgumentException("unknown option '" + k + "' of the ptsafe data source; the options are "
                        + String.join(", ", OTHERS) + " and " + LIMIT_PREFIX + "NAME for NAME in "
                        + String.join(", ", LoadOptions.limitNames()));
            }
        }
        Mode mode = Mode.of(lower.getOrDefault(MODE.toLowerCase(Locale.ROOT), "files"));
        TreeMap<String, Long> limits = new TreeMap<>();
        LoadOptions.Builder check = LoadOptions.builder();
        limitNames.forEach((key, name) -> {
            String v = lower.get(key);
            if (v != null) {
                long value = name.endsWith("Bytes") ? size(LIMIT_PREFIX + name, v)
                        : wholeNumber(LIMIT_PREFIX + name, v);
                check.limit(Limit.named(name), value); // refuses a value out of the limit's range
                limits.put(name, value);
            }
        });
        ArrayList<String> inert = new ArrayList<>();
        String names = lower.get(INERT.toLowerCase(Locale.ROOT));
        if (names != null) {
            for (String n : names.split(",")) {
                if (!n.isBlank()) {
                    inert.add(n.strip());
                }
            }
            check.addInertGlobals(inert.toArray(String[]::new)); // refuses code-execution families
        }
        String cap = lower.get(MAX_REMOTE_FILE_BYTES.toLowerCase(Locale.ROOT));
        String parts = lower.get(MAX_PARTITIONS.toLowerCase(Locale.ROOT));
        long maxParts = parts == null ? 0 : wholeNumber(MAX_PARTITIONS, parts);
        if (parts != null && (maxParts < 1 || maxParts > Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("option " + MAX_PARTITIONS + ": '" + parts + "' is not from 1 to "
                    + Integer.MAX_VALUE);
        }
        return new ScanSettings(mode, limits, bool(lower, CRC, false), inert,
                cap == null ? DEFAULT_MAX_REMOTE_FILE_BYTES : size(MAX_REMOTE_FILE_BYTES, cap),
                lower.get(LOCAL_TEMP_DIR.toLowerCase(Locale.ROOT)), bool(lower, HASH_FILES, true), (int) maxParts);
    }

    /** {@return the options {@code ptsafe scan} would use with the same {@code --limit}, {@code --crc}, {@code --inert}} */
    LoadOptions loadOptions() {
        LoadOptions.Builder b = LoadOptions.builder();
        limits.forEach((name, value) -> b.limit(Limit.named(name), value));
        if (crc) {
            b.crcPolicy(LoadOptions.CrcPolicy.CHECK_IF_PRESENT);
        }
        if (!inert.isEmpty()) {
            b.addInertGlobals(inert.toArray(String[]::new));
        }
        return b.build();
    }

    /** A size option ({@code 5GB}, {@code 2GiB}, bytes) as {@code ptsafe} parses it, the option named in the refusal. */
    private static long size(String option, String text) {
        try {
            return ByteSize.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("option " + option + ": " + e.getMessage(), e);
        }
    }

    private static long wholeNumber(String option, String v) {
        try {
            long n = Long.parseLong(v.strip());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("option " + option + ": '" + v + "' is not a whole number");
    }

    private static boolean bool(Map<String, String> lower, String option, boolean dflt) {
        String v = lower.get(option.toLowerCase(Locale.ROOT));
        if (v == null) {
            return dflt;
        }
        return switch (v.strip().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("option " + option + ": '" + v + "' is neither true nor false");
        };
    }
}
