package io.ptsafe.pickle.legacy;

import io.ptsafe.LoadOptions;
import io.ptsafe.pickle.machine.DecodeBudget;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The legacy stream's storage key list, in order: either the list the machine decoded and
 * {@code LegacyStream} converted ({@link #of}), or the same keys read straight from the pickle's
 * bytes by {@link #lane}.
 *
 * <p>The lane reads exactly what torch writes, {@code pickle.dump(keys, f, protocol=2)} of a list of
 * str (CPython's C pickler and pickle.py alike): {@code PROTO 2}, {@code EMPTY_LIST}, {@code BINPUT
 * 0}, then the items in batches of {@code MARK item... APPENDS} or a lone {@code item APPEND}, each
 * item a {@code BINUNICODE} of ASCII followed by the {@code BINPUT}/{@code LONG_BINPUT} of the next
 * memo index, then {@code STOP}. It declines (null) at the first byte that is not that grammar, and
 * at any value the machine's limits could refuse (see {@link #fits}): the machine then decodes the
 * same bytes and gives every refusal. So a list the lane takes is one the machine takes, to the same
 * keys, with the same end. The lane runs only when nothing listens to the opcodes (opening, not
 * scanning), and it reads the keys without making the machine's values, the converted list or a
 * String per key: through an 8 KiB window of the file, each decimal key (what torch writes) kept as
 * its number and looked up by it ({@link KeySlots}), 8 bytes a key.
 *
 * <p>The machine's values and the converted list are charged to the file's {@link DecodeBudget}
 * and given back once the storage section is read; the lane charges nothing, but declines unless
 * the budget has room for more than the machine would charge at its peak ({@link #bound}), so no
 * open the machine would refuse for the budget is taken.
 */
final class StorageKeys {
    private static final int PROTO = 0x80;
    private static final int EMPTY_LIST = ']';
    private static final int BINPUT = 'q';
    private static final int LONG_BINPUT = 'r';
    private static final int MARK = '(';
    private static final int BINUNICODE = 'X';
    private static final int APPEND = 'a';
    private static final int APPENDS = 'e';
    private static final int STOP = '.';
    /** pickle's batch size: a MARK ... APPENDS holds at most this many items (the lane's stack bound). */
    private static final int BATCH = 1000;
    /** The longest key the lane reads (torch's are decimal numbers): a longer one goes to the machine. */
    private static final int MAX_KEY = 256;
    /** Bytes of the pickle in the lane's window (longer than any key it reads). */
    private static final int WINDOW = 1 << 13;

    /** The keys as strings (the machine's path), or null. */
    private final List<String> strings;
    /** The lane's keys: each decimal key as its number ({@link KeySlots#number}), else -1. */
    private final long[] numbers;
    /** The lane's keys that are no such number, by index; null while there is none (torch writes none). */
    private final Map<Integer, String> texts;
    private final int size;
    /** The pickle's length (the lane's). */
    private final long end;

    private StorageKeys(List<String> strings, long[] numbers, Map<Integer, String> texts, int size, long end) {
        this.strings = strings;
        this.numbers = numbers;
        this.texts = texts;
        this.size = size;
        this.end = end;
    }

    /** The keys the machine decoded and LegacyStream checked. */
    static StorageKeys of(List<String> keys) {
        return new StorageKeys(keys, null, null, keys.size(), -1);
    }

    int size() {
        return size;
    }

    /** The pickle's length in bytes, when the lane read it. */
    long end() {
        return end;
    }

    /**
     * Key {@code i}; a decimal key the lane read is spelled back from its number (exactly: the number
     * is kept only when it spells the key), for messages.
     */
    String key(int i) {
        if (strings != null) {
            return strings.get(i);
        }
        return numbers[i] >= 0 ? Long.toString(numbers[i]) : texts.get(i);
    }

    /** The slot of key {@code i} among {@code ids}' roots, or -1. */
    int slot(int i, LegacyStorageIds ids) {
        if (strings != null) {
            return ids.slot(strings.get(i));
        }
        return numbers[i] >= 0 ? ids.slot(numbers[i]) : ids.slot(texts.get(i));
    }

    /**
     * Reads the key list at {@code pos} by torch's grammar, or declines (null).
     *
     * @param window how many bytes the machine would see (the rest of the file, at most maxPickleBytes)
     */
    static StorageKeys lane(MemorySegment file, long pos, long window, LoadOptions options, DecodeBudget budget) {
        Reader r = new Reader(file, pos, window);
        long room = budget.limit() - budget.used();
        if (r.u8() != PROTO || r.u8() != 2 || r.u8() != EMPTY_LIST || !r.put(0)) {
            return null;
        }
        long[] numbers = new long[16];
        Map<Integer, String> texts = null;
        int n = 0;
        long opcodes = 3;
        long chars = 0;
        while (true) {
            int op = r.u8();
            if (op == STOP) {
                opcodes++;
                break;
            }
            boolean batch = op == MARK;
            int inBatch = 0;
            if (batch) {
                opcodes++;
                op = r.u8();
            }
            // items up to the batch's end: APPENDS after a MARK, APPEND after one lone item
            while (op == BINUNICODE) {
                long len = r.u32();
                if (len < 0 || len > MAX_KEY || !r.ascii((int) len)) {
                    return null;
                }
                // What the lane holds (a number a key, the rare key that is no number) stays under
                // what the machine would charge, and that under the budget's room.
                if (n > options.maxContainerItems() || bound(n + 1, chars + len) > room) {
                    return null;
                }
                if (n == numbers.length) {
                    numbers = Arrays.copyOf(numbers, 2 * n);
                }
                long number = KeySlots.number(r.buf, r.at - (int) len, (int) len);
                if (number < 0) {
                    if (texts == null) {
                        texts = new HashMap<>();
                    }
                    texts.put(n, new String(r.buf, r.at - (int) len, (int) len, StandardCharsets.ISO_8859_1));
                }
                numbers[n] = number;
                n++;
                inBatch++;
                chars += len;
                if (!r.put(n) || inBatch > BATCH || (!batch && inBatch > 1)) {
                    return null;
                }
                opcodes += 2;
                op = r.u8();
            }
            if (batch ? op != APPENDS || inBatch == 0 : op != APPEND || inBatch != 1) {
                return null;
            }
            opcodes++;
        }
        if (!fits(options, budget, n, chars, opcodes)) {
            return null;
        }
        return new StorageKeys(null, numbers, texts, n, r.position());
    }

    /**
     * Whether the machine runs what the lane read without any limit's refusal: the list's items, the
     * memo's entries (one per item, and the list's), the stack of a batch and its MARK, one level of
     * nesting, the opcodes, each key's bytes, and the budget's room for {@link #bound}.
     */
    private static boolean fits(LoadOptions options, DecodeBudget budget, int n, long chars, long opcodes) {
        return n <= options.maxContainerItems() && n + 2L <= options.maxMemoEntries()
                && Math.min(n, BATCH) + 3L <= options.maxStackSize() && options.maxNestingDepth() >= 3
                && opcodes <= options.maxPickleOpcodes() && MAX_KEY <= options.maxPickleStringBytes()
                && bound(n, chars) <= budget.limit() - budget.used() - WINDOW;
    }

    /**
     * More than the machine and the tree converter charge at their peak for a list of {@code n} ASCII
     * keys of {@code chars} bytes in all: per key its str (a PyValue.Str, its String, its bytes, and
     * the text's room check) and its list, memo and converted-list slots, twice over, and the list, memo
     * table and converter's working structures. ({@code StorageKeysTest} measures the machine's peak
     * against it.)
     */
    static long bound(long n, long chars) {
        return 8192 + 512 * n + 4 * chars;
    }

    /**
     * The pickle's bytes through a window of {@link #WINDOW} bytes copied from the file, slid forward
     * as it is read (the bytes of a key stay in it until the next read); a byte past the machine's
     * window ends the lane.
     */
    private static final class Reader {
        private final MemorySegment file;
        /** The file offsets of the pickle's start and of the machine's window's end. */
        private final long start;
        private final long limit;
        final byte[] buf;
        /** The file offset of buf[0], and how many bytes of buf hold the file's. */
        private long base;
        private int len;
        int at;

        Reader(MemorySegment file, long start, long window) {
            this.file = file;
            this.start = start;
            this.limit = start + window;
            this.buf = new byte[(int) Math.min(WINDOW, window)];
            this.base = start;
        }

        /** Offset of the next byte from the pickle's start. */
        long position() {
            return base + at - start;
        }

        /** Whether {@code n} (at most the window) more bytes are in the buffer, sliding it if need be. */
        private boolean have(int n) {
            if (n <= len - at) {
                return true;
            }
            long next = base + at;
            if (n > limit - next || n > buf.length) {
                return false;
            }
            int keep = len - at;
            System.arraycopy(buf, at, buf, 0, keep);
            int fill = (int) Math.min(buf.length - keep, limit - next - keep);
            MemorySegment.copy(file, ValueLayout.JAVA_BYTE, next + keep, buf, keep, fill);
            base = next;
            at = 0;
            len = keep + fill;
            return true;
        }

        /** The next byte, or -1 past the window (no opcode of the grammar). */
        int u8() {
            return have(1) ? buf[at++] & 0xff : -1;
        }

        /** A 4-byte little-endian unsigned length, or -1 past the window. */
        long u32() {
            if (!have(4)) {
                return -1;
            }
            long v = (buf[at] & 0xffL) | (buf[at + 1] & 0xffL) << 8 | (buf[at + 2] & 0xffL) << 16
                    | (buf[at + 3] & 0xffL) << 24;
            at += 4;
            return v;
        }

        /** Steps over {@code len} bytes if they are there and all ASCII (valid UTF-8, one char each). */
        boolean ascii(int len) {
            if (!have(len)) {
                return false;
            }
            for (int i = at; i < at + len; i++) {
                if (buf[i] < 0) {
                    return false;
                }
            }
            at += len;
            return true;
        }

        /** Steps over BINPUT or LONG_BINPUT of exactly memo index {@code index}. */
        boolean put(int index) {
            int op = u8();
            if (op == BINPUT) {
                return index < 256 && u8() == index;
            }
            return op == LONG_BINPUT && index >= 256 && u32() == index;
        }
    }
}
