package io.ptsafe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@link Limit}: the one table of the limits, and what it agrees with (LoadOptions, the README). */
class LimitTest {
    static final Path README = Path.of("../README.md");
    /** A row of the README's limits table: | `maxTensors` | 1,000,000 | what it bounds | */
    static final Pattern ROW = Pattern.compile("\\| `(max[A-Za-z]+)` \\| ([0-9,]+)[^|]* \\| (.+) \\|");

    @Test
    void theSettingsAreTheLimitNamesAndTheAccessors() throws Exception {
        assertEquals(LoadOptions.limitNames(),
                Arrays.stream(Limit.values()).map(Limit::setting).collect(Collectors.toSet()));
        for (Limit l : Limit.values()) {
            assertSame(l, Limit.named(l.setting()));
            assertEquals(l.type(), LoadOptions.class.getMethod(l.setting()).getReturnType(), l.setting());
            assertEquals(l.type() == int.class ? Integer.MAX_VALUE : Long.MAX_VALUE, l.max(), l.setting());
            assertEquals(1, l.min());
            String constant = "DEFAULT_" + l.setting().replaceAll("([A-Z])", "_$1").toUpperCase(Locale.ROOT);
            assertEquals(constant.substring("DEFAULT_".length()), l.name());
            assertEquals(((Number) LoadOptions.class.getField(constant).get(null)).longValue(), l.defaultValue());
            assertEquals(l.defaultValue(), LoadOptions.defaults().limit(l));
            assertTrue(!l.description().isBlank() && !l.description().contains("\n"), l.setting());
        }
    }

    @Test
    void setAndReadByTheEnum() {
        LoadOptions o = LoadOptions.builder().limit(Limit.MAX_TENSORS, 7).limit(Limit.MAX_HEADER_BYTES, 1L << 40)
                .build();
        assertEquals(7, o.maxTensors());
        assertEquals(7, o.limit(Limit.MAX_TENSORS));
        assertEquals(1L << 40, o.maxHeaderBytes());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.builder().limit(Limit.MAX_RANK, Integer.MAX_VALUE + 1L));
        assertEquals("maxRank must be between 1 and 2147483647, was 2147483648", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.builder().limit(Limit.MAX_RANK, 0));
    }

    @Test
    void checkRefusesAboveTheLimitNamingTheSettingWithTheLimitsReason() throws LimitExceededException {
        LoadOptions o = LoadOptions.builder().maxTensors(3).build();
        Path file = Path.of("model.safetensors");
        Limit.MAX_TENSORS.check(o, 3, file, "tensor count");
        LimitExceededException e = assertThrows(LimitExceededException.class,
                () -> Limit.MAX_TENSORS.check(o, 4, file, "tensor count"));
        assertEquals("model.safetensors: tensor count: 4 is over the limit of 3 (LoadOptions.maxTensors)"
                + " [TOO_MANY_TENSORS]", e.getMessage());
        assertEquals(Reason.TOO_MANY_TENSORS, e.reason());
        assertSame(Limit.MAX_TENSORS, e.limitKind());
        assertEquals("maxTensors", e.setting());
        assertEquals(4, e.value());
        assertEquals(3, e.limit());
        assertSame(file, e.file());

        LimitExceededException other = Limit.MAX_CONTAINER_ITEMS.exceeded(Reason.INVALID_METADATA, null,
                "__metadata__ entry count", 9, 8);
        assertEquals(Reason.INVALID_METADATA, other.reason());
        assertEquals("maxContainerItems", other.setting());
        assertEquals("__metadata__ entry count: 9 is over the limit of 8 (LoadOptions.maxContainerItems)"
                + " [INVALID_METADATA]", other.getMessage());
    }

    /** The README's limits table lists exactly the limits, with their defaults and descriptions. */
    @Test
    void theReadmeTableIsTheEnum() throws IOException {
        String text = Files.readString(README);
        int start = text.indexOf("### Limits and how to set them");
        assertTrue(start >= 0, "README has the limits section");
        Map<String, String> defaults = new TreeMap<>();
        Map<String, String> descriptions = new TreeMap<>();
        for (String line : text.substring(start).lines().dropWhile(l -> !l.startsWith("|"))
                .takeWhile(l -> l.startsWith("|")).toList()) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                assertEquals(null, defaults.put(m.group(1), m.group(2).replace(",", "")), "listed twice: " + line);
                descriptions.put(m.group(1), m.group(3).replace("`", ""));
            }
        }
        Map<String, String> expectedDefaults = new TreeMap<>();
        Map<String, String> expectedDescriptions = new TreeMap<>();
        for (Limit l : Limit.values()) {
            expectedDefaults.put(l.setting(), Long.toString(l.defaultValue()));
            expectedDescriptions.put(l.setting(), l.description());
        }
        assertEquals(expectedDefaults, defaults);
        assertEquals(expectedDescriptions, descriptions);
    }
}
