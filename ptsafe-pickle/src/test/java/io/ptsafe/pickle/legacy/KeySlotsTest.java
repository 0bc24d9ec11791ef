package io.ptsafe.pickle.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Storage keys to slots: numbers only where the number spells the key exactly. */
class KeySlotsTest {
    @Test
    void decimalKeysThatAreEqualAsNumbersButNotAsTextStayApart() {
        KeySlots k = new KeySlots();
        k.put("1", 0);
        k.put("01", 1);
        k.put("001", 2);
        k.put("0", 3);
        k.put("00", 4);
        assertEquals(0, k.get("1"));
        assertEquals(1, k.get("01"));
        assertEquals(2, k.get("001"));
        assertEquals(3, k.get("0"));
        assertEquals(4, k.get("00"));
        assertEquals(-1, k.get("000"));
        assertEquals(-1, k.get("2"));
    }

    @Test
    void otherKeysAndLongNumbersAreKeptAsText() {
        KeySlots k = new KeySlots();
        k.put("123456789012345678", 0); // 18 digits: a number
        k.put("1234567890123456789", 1); // 19 digits: text
        k.put("12345678901234567890123", 2); // past a long: text
        k.put("a1", 3);
        k.put("1-2", 4);
        assertEquals(0, k.get("123456789012345678"));
        assertEquals(1, k.get("1234567890123456789"));
        assertEquals(2, k.get("12345678901234567890123"));
        assertEquals(3, k.get("a1"));
        assertEquals(4, k.get("1-2"));
        assertEquals(-1, k.get("12345678901234567"));
        assertEquals(-1, k.get("a2"));
        assertEquals(-1, k.get(""));
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
}
