package io.ptsafe.pickle.machine;

import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads the machine's opcode arguments, one way for each {@link ArgKind} of the opcode table, with
 * the frame rules ({@link Reason#PICKLE_FRAME_OVERRUN}), the truncation checks and the size limits
 * applied before anything is allocated. Holds the read position and the open frame.
 */
final class ArgReader {
    private static final ValueLayout.OfDouble F64_BE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final PickleMachine m;
    private final MemorySegment in;
    private final long size;
    private final LoadOptions options;
    /** The next byte to read. */
    long pos;
    /**
     * End (exclusive) of the FRAME being read, or -1 outside any frame. While a frame is open every
     * argument must end inside it ({@link #inFrame}); see {@link Reason#PICKLE_FRAME_OVERRUN}.
     */
    long frameEnd = -1;
    /**
     * The argument {@link #read} read, by kind: a fixed-size number; a length-prefixed value's
     * bytes or a line; the integer of LONG1/LONG4; a line as ASCII text (and the second of a pair);
     * BINFLOAT's double. Fields, not a record, so that no opcode allocates for its argument.
     */
    long num;
    byte[] raw;
    /** The UTF-8 bytes of a length-prefixed {@link #text} (BINUNICODE and its kin). */
    int textBytes;
    BigInteger big;
    String text;
    String text2;
    double dbl;

    /**
     * A window of the pickle's bytes, [{@link #base}, base + {@link #len}), copied from {@link #in} a
     * block at a time: opcodes and their fixed-size arguments are read from a byte[], one bounds
     * check each, instead of a memory segment access (bounds, liveness, heap or native base) each.
     * Every decision is still made on positions in the pickle, as before; only where bytes are read
     * from changes. Its size does not depend on anything the pickle says.
     */
    private final byte[] buf;
    private long base;
    private int len;

    ArgReader(PickleMachine m, MemorySegment in, LoadOptions options) {
        this.m = m;
        this.in = in;
        this.size = in.byteSize();
        this.options = options;
        this.buf = new byte[(int) Math.min(WINDOW, size)];
    }

    /** Bytes of the window: a few pages of a data.pkl (about 110 bytes a tensor). */
    static final int WINDOW = 8192;

    /**
     * The offset in {@link #buf} of position {@code p}, with {@code n} bytes (at most the window's
     * size) of the pickle there; the caller has checked {@code n <= size - p}.
     */
    private int window(long p, int n) {
        long off = p - base;
        if (off < 0 || off + n > len) {
            refill(p);
            return 0;
        }
        return (int) off;
    }

    /** Copies the window from {@code p} on: once every few thousand opcodes, so kept out of the loop's code. */
    private void refill(long p) {
        len = (int) Math.min(buf.length, size - p);
        MemorySegment.copy(in, ValueLayout.JAVA_BYTE, p, buf, 0, len);
        base = p;
    }

    /** The opcode byte at {@link #pos}, which is below the pickle's size; moves past it. */
    int opcode() {
        int off = window(pos, 1);
        pos++;
        return buf[off] & 0xff;
    }

    /**
     * {@link #number}{@code (UINT1, op, at)}: when the byte is in the window (so in the pickle) and in
     * the open frame, if any, read straight from it; else by {@link #number}, which refuses.
     */
    int uint1(Opcode op, long at) throws PtsafeException {
        long p = pos;
        long off = p - base;
        if (off >= 0 && off < len && (frameEnd < 0 || p < frameEnd)) {
            pos = p + 1;
            return buf[(int) off] & 0xff;
        }
        return (int) number(ArgKind.UINT1, op, at);
    }

    /** {@link #number}{@code (UINT4, op, at)}, as {@link #uint1} reads it. */
    long uint4(Opcode op, long at) throws PtsafeException {
        long p = pos;
        long off = p - base;
        if (off >= 0 && off + 4 <= len && (frameEnd < 0 || 4 <= frameEnd - p)) {
            pos = p + 4;
            int o = (int) off;
            return ((buf[o] & 0xff) | (buf[o + 1] & 0xff) << 8 | (buf[o + 2] & 0xff) << 16 | (buf[o + 3] & 0xff) << 24)
                    & 0xffffffffL;
        }
        return number(ArgKind.UINT4, op, at);
    }

    /**
     * Reads {@code op}'s argument as the opcode table describes it ({@link Opcode#arg()}, pickletools'
     * argument descriptors) into {@link #num}, {@link #raw}, {@link #big}, {@link #text} (and
     * {@link #text2}) or {@link #dbl}. Only how long a line may be depends on the opcode.
     */
    void read(Opcode op, long at) throws PtsafeException {
        ArgKind kind = op.arg();
        int width = kind.numberSize();
        if (kind.fixedSize() == width) {
            // No argument, or a fixed-size integer: nearly every opcode of a data.pkl, without the switch.
            if (width != 0) {
                num = number(kind, op, at);
            }
            return;
        }
        switch (kind) {
            case NONE -> {
            }
            case UINT1, UINT2, INT4, UINT4, UINT8 -> num = number(kind, op, at);
            case FLOAT8 -> {
                need(8, op, at);
                dbl = in.get(F64_BE, pos);
                pos += 8;
            }
            case LONG1, LONG4 -> big = longBytes((int) number(kind, op, at), op, at);
            case STRING4, BYTES1, UNICODE1, BYTES4, UNICODE4, BYTES8, UNICODE8 -> {
                long n = number(kind, op, at);
                if (isText(op)) {
                    text = text(n, op, at);
                } else {
                    raw = bytes(n, op, at);
                }
            }
            case DECIMAL_NL -> text = op == Opcode.INT ? asciiLine(op, at, options.maxIntBytes(), Limit.MAX_INT_BYTES)
                    : asciiLine(op, at, 24, null);
            case DECIMAL_NL_LONG -> text = asciiLine(op, at, options.maxIntBytes() + 1, Limit.MAX_INT_BYTES);
            case FLOAT_NL -> text = asciiLine(op, at, 1024, null);
            case STRING_NL, STRING_NL_NOESCAPE, UNICODE_NL -> raw = stringLine(op, at);
            case STRING_NL_NOESCAPE_PAIR -> {
                text = utf8(stringLine(op, at), op, at);
                text2 = utf8(stringLine(op, at), op, at);
            }
        }
    }

    /**
     * A fixed-size number, or the length before a length-prefixed argument: little-endian, INT4 and
     * the signed lengths sign-extended (a negative length is refused, as CPython does), an 8-byte
     * value over Long.MAX_VALUE negative (it then fails every check).
     */
    long number(ArgKind kind, Opcode op, long at) throws PtsafeException {
        int width = kind.numberSize();
        need(width, op, at);
        long v = kind.readNumber(buf, window(pos, width));
        pos += width;
        if (v < 0 && kind.signedLength()) {
            throw m.error(Reason.MALFORMED_PICKLE, at, op, "negative byte count " + v);
        }
        return v;
    }

    private byte[] stringLine(Opcode op, long at) throws PtsafeException {
        return line(op, at, options.maxPickleStringBytes(), Limit.MAX_PICKLE_STRING_BYTES);
    }

    private void need(long n, Opcode op, long at) throws PtsafeException {
        inFrame(n, op, at);
        if (n > size - pos) {
            throw m.error(Reason.TRUNCATED_PICKLE, at, op, "argument of " + n + " bytes runs past the end of the pickle ("
                    + (size - pos) + " bytes left)");
        }
    }

    /**
     * Refuses an argument of {@code n} bytes at {@link #pos} that would end after the open frame.
     * torch reads data.pkl through io.BytesIO (serialization.py _load, torch 1.13 line 1127), which has
     * no peek(): C _pickle's _Unpickler_ReadImpl then calls _Unpickler_ReadFromFile, which replaces the
     * buffer holding the frame by the next n bytes of the file, dropping the rest of the frame, and
     * _Unpickler_Readline likewise reads a whole new line from the file. Reading from bytes, or from a
     * file with peek() and a frame under 128 KiB, it reads across the frame end instead; pickle.py
     * (_Unframer.read/readline, lines 287-311) raises "pickle exhausted before end of frame". Three
     * readings of one file: refused.
     */
    private void inFrame(long n, Opcode op, long at) throws PtsafeException {
        if (frameEnd >= 0 && n > frameEnd - pos) {
            throw frameOverrun(op, at, "an argument of " + n + " bytes runs " + (n - (frameEnd - pos))
                    + " bytes past the end of its frame");
        }
    }

    private PtsafeException frameOverrun(Opcode op, long at, String what) {
        return m.error(Reason.PICKLE_FRAME_OVERRUN, at, op, what + " (the frame ends at byte " + frameEnd
                + "): torch's C unpickler would read the argument from after the frame, pickle.py refuses it");
    }

    /** The length-prefixed opcodes whose bytes are decoded as UTF-8 text into {@link #text}. */
    private static boolean isText(Opcode op) {
        return op == Opcode.BINUNICODE || op == Opcode.SHORT_BINUNICODE || op == Opcode.BINSTRING
                || op == Opcode.SHORT_BINSTRING || op == Opcode.BINUNICODE8;
    }

    /** Texts up to this many bytes are decoded from the window, without a copy of their bytes first. */
    private static final int SHORT_TEXT = 256;

    /**
     * {@code n} bytes decoded as UTF-8, with {@link #bytes}'s checks and then {@link #utf8}'s, in that
     * order; {@link #textBytes} is set to {@code n}. A short ASCII text (names, keys) is made straight
     * from the window: no byte[] of its own first.
     */
    private String text(long n, Opcode op, long at) throws PtsafeException {
        if (n > SHORT_TEXT || n < 0) {
            byte[] b = bytes(n, op, at);
            textBytes = b.length;
            return utf8(b, op, at);
        }
        checkBytes(n, op, at);
        int len = (int) n;
        int off = window(pos, len);
        m.room(HeapCost.string(len), op, at);
        // US-ASCII decoding checks the bytes with the JDK's intrinsic and copies them as one byte a
        // character; any byte over 0x7f becomes U+FFFD, which a Latin-1 string cannot hold (so
        // indexOf answers at once for ASCII text). Then the bytes are decoded strictly as UTF-8.
        String t = new String(buf, off, len, StandardCharsets.US_ASCII);
        if (t.indexOf('\uFFFD') >= 0) {
            try {
                t = Texts.utf8(java.util.Arrays.copyOfRange(buf, off, off + len));
            } catch (IllegalArgumentException e) {
                throw m.error(Reason.MALFORMED_PICKLE, at, op, "text is not valid UTF-8");
            }
        }
        pos += len;
        textBytes = len;
        return t;
    }

    /**
     * {@code n} bytes of a str or bytes value, checked against the bytes present (a length no limit
     * could make valid is TRUNCATED_PICKLE) and then the limit, before anything is allocated.
     */
    private byte[] bytes(long n, Opcode op, long at) throws PtsafeException {
        checkBytes(n, op, at);
        byte[] b = copy(pos, (int) n);
        pos += n;
        return b;
    }

    /** {@link #bytes}' checks: the frame, the bytes present, the limit, the budget's room. */
    private void checkBytes(long n, Opcode op, long at) throws PtsafeException {
        if (n >= 0) {
            inFrame(n, op, at);
        }
        if (n < 0 || n > size - pos) {
            throw m.error(Reason.TRUNCATED_PICKLE, at, op, "a string of " + Long.toUnsignedString(n)
                    + " bytes runs past the end of the pickle (" + (size - pos) + " bytes left)");
        }
        if (n > options.maxPickleStringBytes()) {
            throw m.limit(at, op, "a string of " + n + " bytes", Limit.MAX_PICKLE_STRING_BYTES, n, options.maxPickleStringBytes());
        }
        m.room(HeapCost.bytes(n), op, at);
    }

    /**
     * {@code n} bytes from {@code at}, checked by the caller. MemorySegment.copy, not
     * asSlice().toArray(): toArray makes a slice and asks the JDK for the class's simple name each call.
     */
    private byte[] copy(long at, int n) {
        long off = at - base;
        if (off >= 0 && off + n <= len) {
            // Names and keys: from the window, when they are in it.
            return java.util.Arrays.copyOfRange(buf, (int) off, (int) off + n);
        }
        byte[] b = new byte[n];
        MemorySegment.copy(in, ValueLayout.JAVA_BYTE, at, b, 0, n);
        return b;
    }

    private BigInteger longBytes(int n, Opcode op, long at) throws PtsafeException {
        need(n, op, at);
        if (n > options.maxIntBytes()) {
            throw m.limit(at, op, "an integer of " + n + " bytes", Limit.MAX_INT_BYTES, n, options.maxIntBytes());
        }
        byte[] le = bytes(n, op, at);
        if (n == 0) {
            return BigInteger.ZERO;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        return new BigInteger(be);
    }

    /**
     * The bytes up to the next newline (which is consumed). At most {@code max} bytes: a longer line
     * is refused as over {@code setting}, or as malformed when the line has no setting of its own.
     */
    private byte[] line(Opcode op, long at, int max, Limit setting) throws PtsafeException {
        // Inside a frame the newline must be inside it too (see inFrame).
        long end = frameEnd >= 0 ? frameEnd : size;
        long limit = Math.min(end, pos + (long) max + 1);
        for (long i = pos; i < limit; i++) {
            if (in.get(ValueLayout.JAVA_BYTE, i) == '\n') {
                m.room(HeapCost.bytes(i - pos), op, at);
                byte[] b = copy(pos, (int) (i - pos));
                pos = i + 1;
                return b;
            }
        }
        if (limit == end && end - pos <= max) {
            if (end != size) {
                throw frameOverrun(op, at, "its line has no newline before the frame ends");
            }
            throw m.error(Reason.TRUNCATED_PICKLE, at, op, "the pickle ends inside the argument (no newline)");
        }
        if (setting == null) {
            throw m.error(Reason.MALFORMED_PICKLE, at, op, "argument line longer than " + max + " bytes");
        }
        long reported = setting == Limit.MAX_INT_BYTES ? options.maxIntBytes() : max;
        throw m.limit(at, op, "an argument line of more than " + max + " bytes", setting, reported + 1, reported);
    }

    private String asciiLine(Opcode op, long at, int max, Limit setting) throws PtsafeException {
        byte[] b = line(op, at, max, setting);
        try {
            return Texts.ascii(b);
        } catch (IllegalArgumentException e) {
            throw m.error(Reason.MALFORMED_PICKLE, at, op, "argument is not ASCII");
        }
    }

    String utf8(byte[] b, Opcode op, long at) throws PtsafeException {
        m.room(HeapCost.string(b.length), op, at);
        try {
            return Texts.utf8(b);
        } catch (IllegalArgumentException e) {
            throw m.error(Reason.MALFORMED_PICKLE, at, op, "text is not valid UTF-8");
        }
    }
}
