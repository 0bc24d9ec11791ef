package io.ptsafe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Limits by name ({@link LoadOptions.Builder#limit}, {@link LoadOptions#limit}). The tests look the
 * typed accessors and builder methods up reflectively, so they check the table against the methods
 * themselves (and cover a limit added later without being edited); ptsafe's own code never reflects.
 */
class LimitNamesTest {
    @Test
    void namesAreSortedAndAreTheBuilderLimitMethods() {
        Set<String> methods = new TreeSet<>();
        for (Method m : LoadOptions.Builder.class.getMethods()) {
            if (m.getName().startsWith("max") && m.getParameterCount() == 1) {
                methods.add(m.getName());
            }
        }
        assertEquals(methods, LoadOptions.limitNames());
        assertEquals(List.copyOf(new TreeSet<>(LoadOptions.limitNames())), List.copyOf(LoadOptions.limitNames()));
        assertThrows(UnsupportedOperationException.class, () -> LoadOptions.limitNames().add("maxSomething"));
    }

    @Test
    void everyNameRoundTripsThroughItsAccessorAndBuilderMethod() throws Exception {
        for (String name : LoadOptions.limitNames()) {
            Method accessor = LoadOptions.class.getMethod(name);
            Class<?> type = accessor.getReturnType();
            long value = type == long.class ? (1L << 40) + 7 : Integer.MAX_VALUE - 7;

            LoadOptions byName = LoadOptions.builder().limit(name, value).build();
            assertEquals(value, ((Number) accessor.invoke(byName)).longValue(), name);
            assertEquals(value, byName.limit(name), name);
            for (String other : LoadOptions.limitNames()) {
                if (!other.equals(name)) {
                    assertEquals(LoadOptions.defaults().limit(other), byName.limit(other), name + " changed " + other);
                }
            }

            LoadOptions.Builder b = LoadOptions.builder();
            Method setter = LoadOptions.Builder.class.getMethod(name, type);
            setter.invoke(b, type == long.class ? (Object) 5L : (Object) 5);
            assertEquals(5, b.build().limit(name), name);
            assertEquals(5, b.build().toBuilder().build().limit(name), name);
        }
    }

    @Test
    void defaultsByNameAreTheDefaultConstants() throws Exception {
        for (String name : LoadOptions.limitNames()) {
            String constant = "DEFAULT_" + name.replaceAll("([A-Z])", "_$1").toUpperCase(Locale.ROOT);
            long expected = ((Number) LoadOptions.class.getField(constant).get(null)).longValue();
            assertEquals(expected, LoadOptions.defaults().limit(name), constant);
        }
    }

    @Test
    void unknownNamesAreRefusedListingTheKnownOnes() {
        for (String bad : new String[] {"maxFoo", "maxtensors", "", "crcPolicy", "limit"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LoadOptions.builder().limit(bad, 10), bad);
            assertTrue(e.getMessage().contains("unknown limit '" + bad + "'"), e.getMessage());
            assertTrue(e.getMessage().contains(String.join(", ", LoadOptions.limitNames())), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> LoadOptions.defaults().limit(bad), bad);
        }
        assertThrows(NullPointerException.class, () -> LoadOptions.builder().limit((String) null, 10));
    }

    @Test
    void valuesOutOfRangeAreRefusedNotTruncated() {
        LoadOptions.Builder b = LoadOptions.builder();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.limit("maxTensors", Integer.MAX_VALUE + 1L));
        assertEquals("maxTensors must be between 1 and 2147483647, was 2147483648", e.getMessage());
        // (1 << 32) + 5 would be 5 as an int
        assertThrows(IllegalArgumentException.class, () -> b.limit("maxTensors", (1L << 32) + 5));
        for (long bad : new long[] {0, -1, Long.MIN_VALUE, Integer.MIN_VALUE}) {
            assertThrows(IllegalArgumentException.class, () -> b.limit("maxTensors", bad), "maxTensors=" + bad);
            assertThrows(IllegalArgumentException.class, () -> b.limit("maxHeaderBytes", bad), "maxHeaderBytes=" + bad);
        }
        assertEquals(LoadOptions.defaults().toString(), b.build().toString(), "a refused value changes nothing");

        LoadOptions edges = LoadOptions.builder().limit("maxTensors", Integer.MAX_VALUE)
                .limit("maxHeaderBytes", Long.MAX_VALUE).limit("maxRank", 1).build();
        assertEquals(Integer.MAX_VALUE, edges.maxTensors());
        assertEquals(Long.MAX_VALUE, edges.maxHeaderBytes());
        assertEquals(1, edges.maxRank());
    }
}
