package io.ptsafe.pickle.machine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * Which memo indices a pickle ever reads (GET, BINGET, LONG_BINGET), found by one pass over its
 * opcodes before the machine runs, as CPython's {@code pickletools.optimize} finds the PUTs that no
 * GET reads. torch memoizes nearly every value it writes (each tensor's storage id, size, stride and
 * argument tuples) and reads back only a few (the globals, {@code 'storage'}, {@code 'cpu'}): a
 * value put at an index nobody reads need not be kept, and dies once the value that consumed it does.
 *
 * <p>The pass only measures arguments, by the opcode table: it refuses nothing and allocates
 * nothing from the pickle's lengths. Where the machine would refuse (an unknown opcode, an argument
 * past the end, a negative length), the pass stops: the machine stops there too, so it can read no
 * index the pass did not see. A text index that is not plain digits makes every index read (the pass
 * then proves nothing).
 */
final class MemoReads {
    /** Every index may be read: the memo keeps every value (what it did before this pass). */
    static final MemoReads ALL = new MemoReads(null, Integer.MAX_VALUE);

    /** Bits of the indices read, up to {@link #maxRead}; null for {@link #ALL}. */
    private final long[] bits;
    private final int maxRead;
    /**
     * By opcode byte, what the inner loop does: 1 + the size of the argument of a fixed-size opcode
     * that reads no memo index (step over it); {@link #GET1} or {@link #GET4} for BINGET and
     * LONG_BINGET; {@link #LEN1} or {@link #LEN4} for the bytes and str opcodes with a one-byte or
     * four-byte unsigned length; 0 for every other byte (the general path). Every opcode of a torch
     * data.pkl but GLOBAL and STOP is read by one table load, without the opcode enum.
     */
    private static final byte[] STEP = new byte[256];
    private static final byte GET1 = -1;
    private static final byte GET4 = -2;
    private static final byte LEN1 = -3;
    private static final byte LEN4 = -4;
    /** Bytes of the window the inner loop keeps ahead: an opcode and the largest fixed-size argument (8). */
    private static final int AHEAD = 9;

    static {
        for (Opcode op : Opcode.values()) {
            ArgKind k = op.arg();
            if (op == Opcode.BINGET) {
                STEP[op.code()] = GET1;
            } else if (op == Opcode.LONG_BINGET) {
                STEP[op.code()] = GET4;
            } else if (k.fixedSize() >= 0 && op != Opcode.STOP) {
                STEP[op.code()] = (byte) (1 + k.fixedSize());
            } else if (k.lengthSize() == 1 && k.numberSize() == 1) {
                STEP[op.code()] = LEN1;
            } else if (k.lengthSize() == 4 && !k.signedLength() && k != ArgKind.LONG4) {
                STEP[op.code()] = LEN4;
            }
        }
        assert STEP[Opcode.BINGET.code()] == GET1 && Opcode.BINGET.arg() == ArgKind.UINT1;
        assert STEP[Opcode.LONG_BINGET.code()] == GET4 && Opcode.LONG_BINGET.arg() == ArgKind.UINT4;
    }

    private MemoReads(long[] bits, int maxRead) {
        this.bits = bits;
        this.maxRead = maxRead;
    }

    /** Whether index {@code i} (at least 0) may be read after it is put. */
    boolean isRead(long i) {
        if (bits == null) {
            return true;
        }
        return i <= maxRead && (bits[(int) (i >>> 6)] & (1L << i)) != 0;
    }

    /** The largest index read (-1 for none): values put above it are never kept. */
    int maxRead() {
        return maxRead;
    }

    /** The bytes of the bit set, for the budget. */
    long heapBytes() {
        return bits == null ? 0 : HeapCost.longs(bits.length);
    }

    /**
     * Scans {@code in} from {@code start} to its first STOP (or to where the machine would refuse).
     *
     * @param maxIndex indices above it are ignored: the machine never sets them, so never reads them
     */
    static MemoReads scan(MemorySegment in, long start, int maxIndex) {
        long size = in.byteSize();
        long[] bits = new long[1];
        int max = -1;
        // The bytes are read from a window copied a block at a time (as ArgReader does): pos = base + i.
        byte[] buf = new byte[(int) Math.min(ArgReader.WINDOW, size - Math.min(start, size))];
        long base = start;
        int len = 0;
        int i = 0;
        outer:
        while (true) {
            if (i + AHEAD > len && base + len < size) {
                long pos = base + i;
                len = (int) Math.min(buf.length, size - pos);
                MemorySegment.copy(in, ValueLayout.JAVA_BYTE, pos, buf, 0, len);
                base = pos;
                i = 0;
            }
            // While AHEAD bytes are in the window, every fixed-size argument is in it, so in the
            // pickle: the opcodes that read no index are stepped over by the table alone (what the
            // general path below does for them, without its checks, which cannot fail here).
            int ahead = len - AHEAD;
            while (i <= ahead) {
                int step = STEP[buf[i] & 0xff];
                if (step > 0) {
                    i += step;
                } else if (step == GET1 || step == GET4) {
                    long index = step == GET1 ? buf[i + 1] & 0xff : u4(buf, i + 1);
                    if (index <= maxIndex) {
                        bits = mark(bits, index);
                        max = Math.max(max, (int) index);
                    }
                    i += step == GET1 ? 2 : 5;
                } else if (step == LEN1 || step == LEN4) {
                    // The general path's checks for a length-prefixed argument, on the same numbers.
                    int width = step == LEN1 ? 1 : 4;
                    long n = step == LEN1 ? buf[i + 1] & 0xff : u4(buf, i + 1);
                    long pos = base + i + 1;
                    if (n > size - pos - width) {
                        break; // the general path stops here
                    }
                    long next = pos + width + n;
                    if (next - base > len) {
                        base = next; // past the window: the next round copies a new one from there
                        len = 0;
                        i = 0;
                        continue outer;
                    }
                    i = (int) (next - base);
                } else {
                    break;
                }
            }
            if (i > ahead && base + len < size) {
                continue; // the window first moves on
            }
            long pos = base + i;
            if (pos >= size) {
                break;
            }
            // The general path: the window holds AHEAD bytes from pos, or every byte up to the end.
            int code = buf[i++] & 0xff;
            pos++;
            Opcode op = Opcode.byCode(code);
            if (op == null || op == Opcode.STOP) {
                break;
            }
            ArgKind kind = op.arg();
            long index = -1;
            long next;
            if (kind.fixedSize() >= 0) {
                next = pos + kind.fixedSize();
                if (next > size) {
                    break;
                }
                if (op == Opcode.BINGET || op == Opcode.LONG_BINGET) {
                    index = kind.readNumber(buf, i);
                }
            } else if (kind.lengthSize() > 0) {
                if (kind.lengthSize() > size - pos) {
                    break;
                }
                long n = kind.readNumber(buf, i);
                if (n < 0 || n > size - pos - kind.lengthSize()) {
                    break;
                }
                next = pos + kind.lengthSize() + n;
            } else {
                next = lineEnd(in, pos, size);
                if (next >= 0 && kind == ArgKind.STRING_NL_NOESCAPE_PAIR) {
                    next = lineEnd(in, next, size);
                }
                if (next < 0) {
                    break;
                }
                if (op == Opcode.GET) {
                    index = digits(in, pos, next - 1);
                    if (index == -2) {
                        return ALL;
                    }
                }
            }
            if (index >= 0 && index <= maxIndex) {
                bits = mark(bits, index);
                max = Math.max(max, (int) index);
            }
            if (next - base > len) {
                // Past the window (a long argument): the next round copies a new one from there.
                base = next;
                len = 0;
                i = 0;
            } else {
                i = (int) (next - base);
            }
        }
        return new MemoReads(Arrays.copyOf(bits, max < 0 ? 1 : (max >>> 6) + 1), max);
    }

    /** Sets bit {@code index} (0 to maxIndex), in {@code bits} or a grown copy, which it returns. */
    private static long[] mark(long[] bits, long index) {
        int word = (int) (index >>> 6);
        if (word >= bits.length) {
            bits = Arrays.copyOf(bits, Math.max(word + 1, 2 * bits.length));
        }
        bits[word] |= 1L << index;
        return bits;
    }

    /** The four-byte little-endian unsigned number at {@code off}, as {@link ArgKind#readNumber} reads UINT4. */
    private static long u4(byte[] b, int off) {
        return ((b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24)
                & 0xffffffffL;
    }

    /** The position after the newline that ends the line at {@code pos}, or -1 when there is none. */
    private static long lineEnd(MemorySegment in, long pos, long size) {
        for (long i = pos; i < size; i++) {
            if (in.get(ValueLayout.JAVA_BYTE, i) == '\n') {
                return i + 1;
            }
        }
        return -1;
    }

    /** The decimal number in [from, to), or -2 when it is not 1 to 18 ASCII digits. */
    private static long digits(MemorySegment in, long from, long to) {
        if (to <= from || to - from > 18) {
            return -2;
        }
        long v = 0;
        for (long i = from; i < to; i++) {
            int c = in.get(ValueLayout.JAVA_BYTE, i);
            if (c < '0' || c > '9') {
                return -2;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
