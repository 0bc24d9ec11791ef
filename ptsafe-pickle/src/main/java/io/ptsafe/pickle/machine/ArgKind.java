package io.ptsafe.pickle.machine;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * How an opcode's inline argument is encoded, as CPython's pickletools names the argument
 * descriptors. Fixed-size kinds give their width; the others are length-prefixed or end at a newline.
 */
enum ArgKind {
    /** No inline argument. */
    NONE(0, 0, 0),
    /** One unsigned byte. */
    UINT1(1, 0, 1),
    /** Two-byte little-endian unsigned integer. */
    UINT2(2, 0, 2),
    /** Four-byte little-endian signed integer. */
    INT4(4, 0, 4),
    /** Four-byte little-endian unsigned integer. */
    UINT4(4, 0, 4),
    /** Eight-byte little-endian unsigned integer. */
    UINT8(8, 0, 8),
    /** Eight-byte big-endian IEEE-754 double. */
    FLOAT8(8, 0, 0),
    /** One-byte length, then that many bytes of little-endian two's complement. */
    LONG1(-1, 1, 1),
    /** Four-byte signed length, then that many bytes of little-endian two's complement. */
    LONG4(-1, 4, 4, true),
    /** One-byte length, then bytes (SHORT_BINSTRING, SHORT_BINBYTES). */
    BYTES1(-1, 1, 1),
    /** Four-byte signed length, then bytes (BINSTRING; a negative length is refused). */
    STRING4(-1, 4, 4, true),
    /** Four-byte unsigned length, then bytes (BINBYTES). */
    BYTES4(-1, 4, 4),
    /** Eight-byte length, then bytes (BINBYTES8, BYTEARRAY8). */
    BYTES8(-1, 8, 8),
    /** One-byte length, then UTF-8. */
    UNICODE1(-1, 1, 1),
    /** Four-byte length, then UTF-8. */
    UNICODE4(-1, 4, 4),
    /** Eight-byte length, then UTF-8. */
    UNICODE8(-1, 8, 8),
    /** A decimal integer ending at a newline (INT, GET, PUT); "00"/"01" are False/True for INT. */
    DECIMAL_NL(-1, 0, 0),
    /** A decimal integer ending at a newline, with an optional trailing 'L' (LONG). */
    DECIMAL_NL_LONG(-1, 0, 0),
    /** A float in Python repr syntax ending at a newline. */
    FLOAT_NL(-1, 0, 0),
    /** A quoted, backslash-escaped string ending at a newline (STRING). */
    STRING_NL(-1, 0, 0),
    /** Raw text ending at a newline (PERSID). */
    STRING_NL_NOESCAPE(-1, 0, 0),
    /** Two newline-terminated lines, module then name (GLOBAL, INST). */
    STRING_NL_NOESCAPE_PAIR(-1, 0, 0),
    /** raw-unicode-escape text ending at a newline (UNICODE). */
    UNICODE_NL(-1, 0, 0);

    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64_LE = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int fixedSize;
    /** Fields, not switches over the constant: the machine asks them for every opcode it runs. */
    private final int lengthSize;
    private final int numberSize;
    private final boolean signedLength;

    /**
     * @param fixedSize  bytes of a fixed-size argument, else -1
     * @param lengthSize bytes of a length prefix, else 0
     * @param numberSize bytes of the binary number {@link #readNumber} reads (a fixed-size integer or
     *                   the length prefix), else 0
     */
    ArgKind(int fixedSize, int lengthSize, int numberSize) {
        this(fixedSize, lengthSize, numberSize, false);
    }

    /** @param signedLength whether the length prefix is signed */
    ArgKind(int fixedSize, int lengthSize, int numberSize, boolean signedLength) {
        this.fixedSize = fixedSize;
        this.lengthSize = lengthSize;
        this.numberSize = numberSize;
        this.signedLength = signedLength;
    }

    /** Bytes of the argument when its size is fixed, else -1. */
    public int fixedSize() {
        return fixedSize;
    }

    /** Bytes of the length that prefixes a length-prefixed argument (1, 4 or 8), else 0. */
    public int lengthSize() {
        return lengthSize;
    }

    /** Whether the length prefix is signed (a negative one is refused, as CPython does). */
    public boolean signedLength() {
        return signedLength;
    }

    /** Whether the argument is text ending at a newline (one line, or two for the pair). */
    public boolean isLine() {
        return fixedSize < 0 && lengthSize() == 0;
    }

    /** Bytes of the number {@link #readNumber} reads: a fixed-size integer, or a length prefix; else 0. */
    int numberSize() {
        return numberSize;
    }

    /**
     * The one decoder of pickle's binary numbers, for the machine and {@link PickleSniffer}: the
     * {@link #numberSize()} bytes at {@code pos}, little-endian; INT4 and the signed lengths
     * sign-extended, an 8-byte value over Long.MAX_VALUE negative. The caller checks the bytes are there.
     */
    long readNumber(MemorySegment in, long pos) {
        return switch (numberSize) {
            case 1 -> in.get(ValueLayout.JAVA_BYTE, pos) & 0xff;
            case 2 -> in.get(I16_LE, pos) & 0xffff;
            case 4 -> this == INT4 || signedLength ? in.get(I32_LE, pos) : in.get(I32_LE, pos) & 0xffffffffL;
            case 8 -> in.get(I64_LE, pos);
            default -> throw new IllegalStateException(this + " has no binary number");
        };
    }

    /** {@link #readNumber(MemorySegment, long)} from {@code b} at {@code off}: the same number. */
    long readNumber(byte[] b, int off) {
        return switch (numberSize) {
            case 1 -> b[off] & 0xff;
            case 2 -> (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
            case 4 -> {
                int v = (b[off] & 0xff) | (b[off + 1] & 0xff) << 8 | (b[off + 2] & 0xff) << 16 | (b[off + 3] & 0xff) << 24;
                yield this == INT4 || signedLength ? v : v & 0xffffffffL;
            }
            case 8 -> {
                long v = 0;
                for (int i = 7; i >= 0; i--) {
                    v = v << 8 | (b[off + i] & 0xff);
                }
                yield v;
            }
            default -> throw new IllegalStateException(this + " has no binary number");
        };
    }
}
