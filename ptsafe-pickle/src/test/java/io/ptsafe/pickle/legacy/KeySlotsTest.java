package io.ptsafe.pickle.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Storage keys to slots: numbers only where the number spells the key exactly. */
class KeySlotsTest {
    @Test
    void decimalKeysThatAreEqualAsNumbersButNotAsTextStayApart() {
        KeySlots k = slots("1", "01", "001", "0", "00");
        assertEquals(-1, k.get("000"));
        assertEquals(-1, k.get("2"));
    }

    @Test
    void otherKeysAndLongNumbersAreKeptAsText() {
        // 18 digits: a number; 19 digits and past a long: text
        KeySlots k = slots("123456789012345678", "1234567890123456789", "12345678901234567890123", "a1", "1-2");
        assertEquals(-1, k.get("12345678901234567"));
        assertEquals(-1, k.get("a2"));
        assertEquals(-1, k.get(""));
    }

    /** Puts each key at its index, then checks every key finds its own slot. */
    private static KeySlots slots(String... keys) {
        KeySlots k = new KeySlots();
        for (int i = 0; i < keys.length; i++) {
            k.put(keys[i], i);
        }
        for (int i = 0; i < keys.length; i++) {
            assertEquals(i, k.get(keys[i]), keys[i]);
        }
        return k;
    }

    @Test
    void manyKeysSurviveGrowth() {
        KeySlots k = new KeySlots();
        for (int i = 0; i < 5000; i++) {
            k.put(Long.toString(297701728L + 16L * i), i);
        }
        for (int i = 0; i < 5000; i++) {
            assertEquals(i, k.get(Long.toString(297701728L + 16L * i)));
            assertEquals(-1, k.get(Long.toString(297701728L + 16L * i + 1)));
        }
    }

    /**
     * Keys a file could pick to fall into one cell under an unseeded hash (here the multiplicative
     * hash this table once used, with the mask of the table 4,096 keys grow it to): with a
     * per-process seed they spread, so a lookup probes a short run, not all of them.
     */
    @Test
    void keysChosenToCollideUnderAFixedHashSpreadOut() {
        int n = 4096;
        int mask = 2 * 4096 - 1;
        long[] chosen = new long[n];
        int found = 0;
        for (long x = 1; found < n; x++) {
            long h = x * 0x9E3779B97F4A7C15L;
            if (((int) (h ^ (h >>> 32)) & mask) == 0) {
                chosen[found++] = x;
            }
        }
        KeySlots k = new KeySlots();
        for (int i = 0; i < n; i++) {
            k.put(Long.toString(chosen[i]), i);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(i, k.get(Long.toString(chosen[i])));
        }
        // At half load a random hash leaves runs of a few dozen cells at most; the fixed one left 4,096.
        int longest = k.longestRun();
        org.junit.jupiter.api.Assertions.assertTrue(longest < 200, "longest probe run " + longest);
    }

    @Test
    void putIfAbsentAndLookupsByNumberAgreeWithTheText() {
        KeySlots k = new KeySlots();
        // numbers past 32 bits differ from others only in their high half
        String[] keys = {"0", "7", "4294967296", "4294967297", "8589934592", "999999999999999999", "x", "01", ""};
        for (int i = 0; i < keys.length; i++) {
            assertEquals(-1, k.putIfAbsent(keys[i], i), keys[i]);
        }
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < keys.length; i++) {
                assertEquals(i, k.putIfAbsent(keys[i], 100), keys[i]);
                assertEquals(i, k.get(keys[i]), keys[i]);
                byte[] b = keys[i].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                long n = KeySlots.number(b, 0, b.length);
                assertEquals(i < 6 ? Long.parseLong(keys[i]) : -1, n, keys[i]);
                if (n >= 0) {
                    assertEquals(i, k.get(n), keys[i]);
                }
            }
            // grow the table between the rounds: every cell moves
            for (int j = 0; round == 0 && j < 5000; j++) {
                assertEquals(-1, k.putIfAbsent(Long.toString((1L << 40) + 3L * j), keys.length + j));
            }
        }
        assertEquals(-1, k.get(3 * 4294967296L));
        assertEquals(-1, k.get(12884901888L + 7));
        assertEquals(keys.length + 4999, k.get((1L << 40) + 3L * 4999));
        assertEquals(-1, KeySlots.number(new byte[] {'1', '2', 'a'}, 0, 3));
        assertEquals(12, KeySlots.number(new byte[] {'x', '1', '2', 'a'}, 1, 2));
        assertEquals(-1, KeySlots.number("1234567890123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 19));
    }
}
