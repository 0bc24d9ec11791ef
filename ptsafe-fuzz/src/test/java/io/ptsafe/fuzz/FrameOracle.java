package io.ptsafe.fuzz;

import io.ptsafe.pickle.machine.Opcode;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleListener;
import java.util.Arrays;

/**
 * A differential oracle for pickles the machine accepted: CPython's pure-Python and C unpicklers
 * must read them identically, which for protocol 4 framing means the reads CPython makes fit the
 * frames (issue 14).
 *
 * <p>Records the opcodes the machine runs (a listener), then replays the reads CPython 3.11 makes
 * for each opcode over the pickle's bytes:
 * <ul>
 * <li>{@code pickle.py} {@code _Unframer.read}/{@code readline} (lines 272-298): a read that starts
 *     inside the open frame and does not fit in it raises "pickle exhausted before end of frame"; a
 *     read that starts exactly at the frame's end drops the frame and reads on from the file;
 *     {@code _Unframer.load_frame} (line 300) raises "beginning of a new frame before end of current
 *     frame" when a FRAME's 8-byte argument ends before the open frame does;
 * <li>{@code _pickle.c} {@code _Unpickler_ReadImpl}/{@code _Unpickler_Readline} over a file object
 *     (torch's io.BytesIO of data.pkl): a read that does not fit the buffer (the frame) discards
 *     the buffer's tail and reads fresh bytes from the file, so it desynchronises on exactly those
 *     reads; {@code load_frame} needs the whole frame ("pickle data was truncated"), which
 *     {@code pickle.py} does not check.
 * </ul>
 * So an accepted pickle must: have every FRAME's frame inside the input, and no read cross the end
 * of an open frame. Reads that start exactly at a frame's end are read identically by both (the
 * length prefix of a BINUNICODE in one frame and its text after it, a FRAME whose header ends its
 * frame): checked with CPython 3.11 on the inputs of {@code FrameOracleTest}. The oracle also checks
 * that each opcode ends where the machine's next one starts: ptsafe consumed what CPython reads.
 */
final class FrameOracle implements PickleListener {
    private Opcode[] ops = new Opcode[64];
    private long[] at = new long[64];
    private int n;

    @Override
    public void start(PickleInput input) {
        n = 0;
    }

    @Override
    public void opcode(Opcode op, long offset) {
        if (n == ops.length) {
            ops = Arrays.copyOf(ops, n * 2);
            at = Arrays.copyOf(at, n * 2);
        }
        ops[n] = op;
        at[n++] = offset;
    }

    /** Throws AssertionError if CPython's unpicklers would not both read {@code bytes} as the machine did. */
    void check(byte[] bytes) {
        Reader r = new Reader(bytes);
        for (int i = 0; i < n; i++) {
            long end = r.opcode(ops[i], at[i]);
            long next = i + 1 < n ? at[i + 1] : -1;
            if (next >= 0 && end != next) {
                throw new AssertionError(ops[i] + " at byte " + at[i] + ": CPython reads it up to byte " + end
                        + ", the machine's next opcode is at byte " + next);
            }
        }
    }

    /** CPython's reads over the pickle, with pickle.py's _Unframer state. */
    private static final class Reader {
        private final byte[] b;
        /** End of the open frame, or -1 when reads go to the file. */
        private long frameEnd = -1;

        Reader(byte[] b) {
            this.b = b;
        }

        /** The reads pickle.py's load_* makes for {@code op} at {@code p}; returns where it ends. */
        long opcode(Opcode op, long p) {
            long q = read(op, p, p, 1);
            return switch (op) {
                case PROTO, BININT1, BINGET, BINPUT, EXT1 -> read(op, p, q, 1);
                case BININT2, EXT2 -> read(op, p, q, 2);
                case BININT, LONG_BINGET, LONG_BINPUT, EXT4 -> read(op, p, q, 4);
                case BINFLOAT -> read(op, p, q, 8);
                case FRAME -> frame(p, q);
                case LONG1, SHORT_BINSTRING, SHORT_BINBYTES, SHORT_BINUNICODE -> read(op, p, q + 1, le(op, q, 1, false));
                case LONG4, BINSTRING -> read(op, p, q + 4, le(op, q, 4, true));
                case BINBYTES, BINUNICODE -> read(op, p, q + 4, le(op, q, 4, false));
                case BINUNICODE8, BINBYTES8, BYTEARRAY8 -> read(op, p, q + 8, le(op, q, 8, false));
                case INT, LONG, FLOAT, STRING, UNICODE, PERSID, GET, PUT -> readline(op, p, q);
                case GLOBAL, INST -> readline(op, p, readline(op, p, q));
                default -> q;     // no argument
            };
        }

        /** read(k) at {@code q} (the length prefix of {@code le} was read by the caller through read). */
        private long read(Opcode op, long p, long q, long k) {
            if (frameEnd >= 0) {
                if (q < frameEnd && k > frameEnd - q) {
                    throw new AssertionError(op + " at byte " + p + ": a read of " + k + " bytes at byte " + q
                            + " crosses the end of the frame at byte " + frameEnd
                            + " (pickle.py: pickle exhausted before end of frame; _pickle.c reads other bytes)");
                }
                if (q >= frameEnd && k != 0) {
                    frameEnd = -1;
                }
            }
            return q + k;
        }

        private long readline(Opcode op, long p, long q) {
            long nl = q;
            while (nl < b.length && b[(int) nl] != '\n') {
                nl++;
            }
            return read(op, p, q, nl + 1 - q);
        }

        /** A length prefix of {@code w} bytes at {@code q}, read through {@link #read}. */
        private long le(Opcode op, long q, int w, boolean signed) {
            read(op, q - 1, q, w);
            long v = 0;
            for (int i = w - 1; i >= 0; i--) {
                v = (v << 8) | (b[(int) (q + i)] & 0xff);
            }
            if (signed && w == 4) {
                v = (int) v;
            }
            if (v < 0) {
                throw new AssertionError(op + " at byte " + (q - 1) + ": length " + Long.toUnsignedString(v)
                        + " (CPython refuses a negative or over-sys.maxsize length)");
            }
            return v;
        }

        private long frame(long p, long q) {
            long size = le(Opcode.FRAME, q, 8, false);
            long start = q + 8;
            if (frameEnd >= 0 && start < frameEnd) {
                throw new AssertionError("FRAME at byte " + p + " inside the frame ending at byte " + frameEnd
                        + " (pickle.py: beginning of a new frame before end of current frame)");
            }
            if (size > b.length - start) {
                throw new AssertionError("FRAME at byte " + p + " of " + size + " bytes, only " + (b.length - start)
                        + " left (_pickle.c: pickle data was truncated)");
            }
            frameEnd = start + size;
            return start;
        }
    }
}
