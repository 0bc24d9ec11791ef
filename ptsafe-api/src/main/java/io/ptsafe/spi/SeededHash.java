package io.ptsafe.spi;

import java.security.SecureRandom;

/**
 * The spread of the open-addressed tables keyed by what a file says (entry names, tensor names, dict
 * keys): MurmurHash3's 32-bit finalizer of a hash code and a per-process random seed. With a fixed
 * spread a file can pick distinct hash codes whose cells form one run, and linear probing is then
 * quadratic; with the seed it cannot know which codes do. Equal hash codes still meet in one cell:
 * each table bounds how many it compares.
 */
public final class SeededHash {
    private static final int SEED = new SecureRandom().nextInt();

    private SeededHash() {
    }

    /**
     * Spreads a hash code over all 32 bits, seeded.
     *
     * @param hashCode a key's hash code
     * @return the bits a table takes its cell from: every bit of {@code hashCode} moves every bit of it
     */
    public static int spread(int hashCode) {
        int h = hashCode ^ SEED;
        h = (h ^ (h >>> 16)) * 0x85ebca6b;
        h = (h ^ (h >>> 13)) * 0xc2b2ae35;
        return h ^ (h >>> 16);
    }

    /**
     * The longest run of occupied cells in a table, wrapping round its end: how far a lookup may probe
     * (for tests).
     *
     * @param cells the table, a power of two long, 0 for an empty cell
     * @param count the keys it holds (no run is longer)
     * @return the longest run of non-zero cells
     */
    public static int longestRun(int[] cells, int count) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < 2 * cells.length; i++) {
            run = cells[i & (cells.length - 1)] != 0 ? run + 1 : 0;
            longest = Math.max(longest, Math.min(run, count));
        }
        return longest;
    }
}
