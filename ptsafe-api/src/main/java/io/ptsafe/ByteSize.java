package io.ptsafe;

import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sizes as huggingface tools write them, the one parser of the {@code ptsafe} command's size
 * options and of the Spark data source's: {@code 5GB} is 5 * 10^9 bytes, {@code 5GiB} is 5 * 2^30,
 * a bare number is bytes. Case-insensitive; decimals allowed ({@code 1.5GB}); spaces around the
 * number and before the unit are ignored.
 */
public final class ByteSize {
    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([KMGT]I?B|B)?");
    private static final Map<String, Long> UNITS = Map.of(
            "B", 1L, "KB", 1_000L, "MB", 1_000_000L, "GB", 1_000_000_000L, "TB", 1_000_000_000_000L,
            "KIB", 1L << 10, "MIB", 1L << 20, "GIB", 1L << 30, "TIB", 1L << 40);

    private ByteSize() {
    }

    /**
     * Parses a size.
     *
     * @param text a size such as {@code 5GB}, {@code 500MB}, {@code 2GiB} or {@code 1048576}
     * @return the size in bytes, at least 1 (a fraction of a byte is dropped)
     * @throws IllegalArgumentException when {@code text} is not a size, or is below 1 byte or above
     *         2^63 - 1 bytes; the message quotes {@code text}
     */
    public static long parse(String text) {
        Matcher m = SIZE.matcher(text.trim().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (e.g. 5GB, 500MB, 2GiB, 1048576)");
        }
        long unit = m.group(2) == null ? 1 : UNITS.get(m.group(2));
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit));
        if (bytes.compareTo(BigDecimal.ONE) < 0 || bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException("'" + text + "' is out of range (1 byte to 2^63 - 1)");
        }
        return bytes.longValue();
    }
}
