package io.ptsafe.spark;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses sizes as the {@code ptsafe} command does: {@code 5GB} is 5 * 10^9 bytes, {@code 5GiB} is
 * 5 * 2^30, a bare number is bytes; case-insensitive, decimals allowed.
 */
final class Sizes {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]I?B|B)?");
    private static final Map<String, Long> UNITS = Map.of(
            "B", 1L, "KB", 1_000L, "MB", 1_000_000L, "GB", 1_000_000_000L, "TB", 1_000_000_000_000L,
            "KIB", 1L << 10, "MIB", 1L << 20, "GIB", 1L << 30, "TIB", 1L << 40);

    private Sizes() {
    }

    /** {@return the size in bytes, at least 1} @throws IllegalArgumentException if it is not a size */
    static long parse(String option, String text) {
        Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("option " + option + ": '" + text
                    + "' is not a size (e.g. 5GB, 500MB, 2GiB, 1048576)");
        }
        long unit = m.group(2) == null ? 1 : UNITS.get(m.group(2));
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
        if (bytes.compareTo(BigDecimal.ONE) < 0 || bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("option " + option + ": '" + text + "' is out of range (1 byte to 2^63 - 1)");
        }
        return bytes.longValue();
    }
}
