package io.ptsafe.pickle.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The memo pre-scan reads its window of bytes with a fast inner loop and a general path: it must find
 * exactly the indices, and stop exactly where, a plain opcode-by-opcode walk over the bytes does
 * ({@link #reference}), on opcode streams that cross many windows, end anywhere, and hold bytes that
 * are no opcode, negative lengths and lengths past the end.
 */
class MemoReadsTest {
    private static final int MAX_INDEX = 1_000_000;

    @Test
    void findsWhatAPlainWalkFinds() {
        Random r = new Random(17);
        for (int round = 0; round < 400; round++) {
            byte[] p = stream(r, 1 + r.nextInt(round < 200 ? 400 : 12_000));
            if (r.nextInt(3) == 0) {
                p[r.nextInt(p.length)] = (byte) r.nextInt(256); // anything, anywhere
            }
            if (r.nextInt(3) == 0) {
                p = java.util.Arrays.copyOf(p, r.nextInt(p.length + 1)); // cut anywhere
            }
            int start = r.nextInt(4) == 0 ? r.nextInt(3) : 0;
            MemoReads got = MemoReads.scan(MemorySegment.ofArray(p), start, MAX_INDEX);
            MemoReads want = reference(p, start, MAX_INDEX);
            if (want == MemoReads.ALL) {
                assertSame(MemoReads.ALL, got, "round " + round);
                continue;
            }
            assertEquals(want.maxRead(), got.maxRead(), "round " + round);
            for (int i = 0; i <= want.maxRead() + 64; i++) {
                assertEquals(want.isRead(i), got.isRead(i), "round " + round + ", index " + i);
            }
        }
    }

    @Test
    void indicesAboveTheMaximumAreIgnored() {
        byte[] p = Pickles.pk('h', 5, 'h', 200, 'j', Pickles.le4(70_000), '.');
        MemoReads m = MemoReads.scan(MemorySegment.ofArray(p), 0, 100);
        assertEquals(5, m.maxRead());
        assertEquals(true, m.isRead(5));
        assertEquals(false, m.isRead(200));
    }

    /** A stream of opcodes with well-formed arguments, mostly the fixed-size ones of a data.pkl. */
    private static byte[] stream(Random r, int opcodes) {
        Opcode[] all = Opcode.values();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int k = 0; k < opcodes; k++) {
            Opcode op = r.nextInt(4) != 0 ? pick(r, Opcode.BININT1, Opcode.BINPUT, Opcode.LONG_BINPUT, Opcode.BINGET,
                    Opcode.LONG_BINGET, Opcode.MARK, Opcode.TUPLE, Opcode.REDUCE, Opcode.BINUNICODE,
                    Opcode.SHORT_BINUNICODE, Opcode.BINFLOAT, Opcode.BININT, Opcode.GET)
                    : all[r.nextInt(all.length)];
            if (op == Opcode.STOP && r.nextInt(8) != 0) {
                continue;
            }
            out.write(op.code());
            ArgKind kind = op.arg();
            if (op == Opcode.BINGET || op == Opcode.BINPUT) {
                out.write(r.nextInt(40));
            } else if (op == Opcode.LONG_BINGET || op == Opcode.LONG_BINPUT) {
                int v = r.nextInt(10) == 0 ? r.nextInt() : r.nextInt(3000);
                out.writeBytes(Pickles.le4(v));
            } else if (kind.fixedSize() >= 0) {
                for (int i = 0; i < kind.fixedSize(); i++) {
                    out.write(r.nextInt(256));
                }
            } else if (kind.lengthSize() > 0) {
                int n = r.nextInt(20) == 0 ? 200 + r.nextInt(9000) : r.nextInt(40);
                long len = r.nextInt(50) == 0 ? -1 - r.nextInt(5) : n;
                for (int i = 0; i < kind.lengthSize(); i++) {
                    out.write((int) (len >>> (8 * i)));
                }
                for (int i = 0; i < n; i++) {
                    out.write('a' + r.nextInt(26));
                }
            } else {
                int lines = kind == ArgKind.STRING_NL_NOESCAPE_PAIR ? 2 : 1;
                for (int l = 0; l < lines; l++) {
                    String text = r.nextInt(10) == 0 ? "x" + r.nextInt(100) : Integer.toString(r.nextInt(500));
                    out.writeBytes(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    out.write('\n');
                }
            }
        }
        return out.toByteArray();
    }

    private static Opcode pick(Random r, Opcode... ops) {
        return ops[r.nextInt(ops.length)];
    }

    /** The pre-scan's rules, one opcode at a time straight from the bytes: the walk to compare with. */
    static MemoReads reference(byte[] p, int start, int maxIndex) {
        List<Long> read = new ArrayList<>();
        int pos = start;
        while (pos < p.length) {
            Opcode op = Opcode.byCode(p[pos++] & 0xff);
            if (op == null || op == Opcode.STOP) {
                break;
            }
            ArgKind kind = op.arg();
            long next;
            if (kind.fixedSize() >= 0) {
                next = (long) pos + kind.fixedSize();
                if (next > p.length) {
                    break;
                }
                if (op == Opcode.BINGET || op == Opcode.LONG_BINGET) {
                    read.add(kind.readNumber(p, pos));
                }
            } else if (kind.lengthSize() > 0) {
                if (kind.lengthSize() > p.length - pos) {
                    break;
                }
                long n = kind.readNumber(p, pos);
                if (n < 0 || n > p.length - pos - kind.lengthSize()) {
                    break;
                }
                next = pos + kind.lengthSize() + n;
            } else {
                int lines = kind == ArgKind.STRING_NL_NOESCAPE_PAIR ? 2 : 1;
                int at = pos;
                int lineStart = pos;
                for (int l = 0; l < lines && at >= 0; l++) {
                    lineStart = at;
                    while (at < p.length && p[at] != '\n') {
                        at++;
                    }
                    at = at < p.length ? at + 1 : -1;
                }
                if (at < 0) {
                    break;
                }
                next = at;
                if (op == Opcode.GET) {
                    String digits = new String(p, lineStart, at - 1 - lineStart, java.nio.charset.StandardCharsets.ISO_8859_1);
                    if (!digits.matches("[0-9]{1,18}")) {
                        return MemoReads.ALL;
                    }
                    read.add(Long.parseLong(digits));
                }
            }
            pos = (int) next;
        }
        // The same MemoReads, built by scanning a pickle of the indices found: BINGETs alone.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long i : read) {
            if (i >= 0 && i <= maxIndex) {
                out.write('j');
                out.writeBytes(Pickles.le4((int) i));
            }
        }
        return MemoReads.scan(MemorySegment.ofArray(out.toByteArray()), 0, maxIndex);
    }
}
