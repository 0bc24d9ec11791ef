package io.ptsafe.pickle.legacy;

import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;

/**
 * Storage key to slot, for the legacy stream's roots. torch writes decimal keys ({@code str} of a
 * number); those are held as {@code long}s in an open-addressed table of primitive arrays, so that
 * binding the storage key list (sorted by torch, so in no order the pickle named them) to the roots
 * touches two small arrays per key instead of a map node, the root's string and its bytes: on a
 * 1,000-tensor file the map lookups were a twentieth of the open (JFR). A key is held as a number
 * only when the number spells it back exactly (digits only, no leading zero, at most 18 digits), so
 * equal numbers mean equal keys; every other key is in an ordinary map.
 *
 * <p>The keys come from the file, and linear probing is quadratic when they pile into one run of
 * cells: a fixed hash lets a file pick such keys offline. Numbers are hashed with a per-process random
 * seed and a full-avalanche finalizer, so that which keys collide cannot be known when the file is made.
 */
final class KeySlots {
    private static final int MAX_DIGITS = 18;
    private static final long SEED = new SecureRandom().nextLong();

    private long[] numbers = new long[64];
    /** slot + 1 for each cell of {@link #numbers}; 0 marks an empty cell. */
    private int[] slots = new int[64];
    private int count;
    private Map<String, Integer> others;

    /** The slot of {@code key}, or -1. */
    int get(String key) {
        long n = number(key);
        if (n < 0) {
            Integer s = others == null ? null : others.get(key);
            return s == null ? -1 : s;
        }
        return get(n);
    }

    /**
     * The slot of the key that {@code n} spells ({@link #number(byte[], int, int)}, at least 0), or -1:
     * the storage key list's keys are looked up from their bytes, without a String.
     */
    int get(long n) {
        int mask = numbers.length - 1;
        for (int i = mix(n) & mask; ; i = (i + 1) & mask) {
            int s = slots[i];
            if (s == 0) {
                return -1;
            }
            if (numbers[i] == n) {
                return s - 1;
            }
        }
    }

    /**
     * The slot of {@code key} if it has one, else records it at {@code slot} and returns -1: one
     * parse and one probe for what {@link #get(String)} then {@link #put} do in two.
     */
    int putIfAbsent(String key, int slot) {
        long n = number(key);
        if (n < 0) {
            if (others == null) {
                others = new HashMap<>();
            }
            Integer s = others.putIfAbsent(key, slot);
            return s == null ? -1 : s;
        }
        int mask = numbers.length - 1;
        int i = mix(n) & mask;
        for (; slots[i] != 0; i = (i + 1) & mask) {
            if (numbers[i] == n) {
                return slots[i] - 1;
            }
        }
        if (2 * (count + 1) > numbers.length) {
            grow();
            insert(n, slot + 1);
        } else {
            // the empty cell the probe ended at
            numbers[i] = n;
            slots[i] = slot + 1;
        }
        count++;
        return -1;
    }

    /** Records {@code key} at {@code slot}; the caller has checked that the key is new. */
    void put(String key, int slot) {
        long n = number(key);
        if (n < 0) {
            if (others == null) {
                others = new HashMap<>();
            }
            others.put(key, slot);
            return;
        }
        if (2 * (count + 1) > numbers.length) {
            grow();
        }
        insert(n, slot + 1);
        count++;
    }

    private void insert(long n, int slotPlusOne) {
        int mask = numbers.length - 1;
        int i = mix(n) & mask;
        while (slots[i] != 0) {
            i = (i + 1) & mask;
        }
        numbers[i] = n;
        slots[i] = slotPlusOne;
    }

    private void grow() {
        long[] oldNumbers = numbers;
        int[] oldSlots = slots;
        numbers = new long[oldNumbers.length * 2];
        slots = new int[oldSlots.length * 2];
        for (int i = 0; i < oldSlots.length; i++) {
            if (oldSlots[i] != 0) {
                insert(oldNumbers[i], oldSlots[i]);
            }
        }
    }

    /** The key as a number when the number spells it exactly, else -1. */
    private static long number(String key) {
        int len = key.length();
        if (len == 0 || len > MAX_DIGITS || (len > 1 && key.charAt(0) == '0')) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < len; i++) {
            char c = key.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /**
     * {@link #number(String)} of the key whose ASCII bytes are {@code b[off, off + len)}: the same
     * number, or -1 for the same keys.
     */
    static long number(byte[] b, int off, int len) {
        if (len == 0 || len > MAX_DIGITS || (len > 1 && b[off] == '0')) {
            return -1;
        }
        long n = 0;
        for (int i = off; i < off + len; i++) {
            int c = b[i];
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** MurmurHash3's 64-bit finalizer of the seeded number: a bijection in which every bit moves every other. */
    private static int mix(long n) {
        long h = n ^ SEED;
        h = (h ^ (h >>> 33)) * 0xff51afd7ed558ccdL;
        h = (h ^ (h >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return (int) (h ^ (h >>> 33));
    }

    /** The longest run of occupied cells in the number table (for tests: how far a lookup may probe). */
    int longestRun() {
        return io.ptsafe.spi.SeededHash.longestRun(slots, count);
    }
}
