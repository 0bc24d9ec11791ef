package io.ptsafe.pickle.machine;

import java.util.Optional;

/**
 * Every opcode of pickle protocols 0 to 5, as data: the byte, how its argument is encoded and the
 * protocol that introduced it. This is the table CPython's pickletools keeps ({@code opcodes}); the
 * machine reads every argument from it ({@code ArgReader}), and so does
 * {@link PickleSniffer}.
 */
public enum Opcode {
    // --- integers ----------------------------------------------------------------------------------
    INT('I', ArgKind.DECIMAL_NL, 0),
    BININT('J', ArgKind.INT4, 1),
    BININT1('K', ArgKind.UINT1, 1),
    BININT2('M', ArgKind.UINT2, 1),
    LONG('L', ArgKind.DECIMAL_NL_LONG, 0),
    LONG1(0x8a, ArgKind.LONG1, 2),
    LONG4(0x8b, ArgKind.LONG4, 2),
    // --- strings and bytes ---------------------------------------------------------------------------
    STRING('S', ArgKind.STRING_NL, 0),
    BINSTRING('T', ArgKind.STRING4, 1),
    SHORT_BINSTRING('U', ArgKind.BYTES1, 1),
    BINBYTES('B', ArgKind.BYTES4, 3),
    SHORT_BINBYTES('C', ArgKind.BYTES1, 3),
    BINBYTES8(0x8e, ArgKind.BYTES8, 4),
    BYTEARRAY8(0x96, ArgKind.BYTES8, 5),
    NEXT_BUFFER(0x97, ArgKind.NONE, 5),
    READONLY_BUFFER(0x98, ArgKind.NONE, 5),
    UNICODE('V', ArgKind.UNICODE_NL, 0),
    SHORT_BINUNICODE(0x8c, ArgKind.UNICODE1, 4),
    BINUNICODE('X', ArgKind.UNICODE4, 1),
    BINUNICODE8(0x8d, ArgKind.UNICODE8, 4),
    // --- constants and floats ------------------------------------------------------------------------
    NONE('N', ArgKind.NONE, 0),
    NEWTRUE(0x88, ArgKind.NONE, 2),
    NEWFALSE(0x89, ArgKind.NONE, 2),
    FLOAT('F', ArgKind.FLOAT_NL, 0),
    BINFLOAT('G', ArgKind.FLOAT8, 1),
    // --- containers ----------------------------------------------------------------------------------
    EMPTY_LIST(']', ArgKind.NONE, 1),
    APPEND('a', ArgKind.NONE, 0),
    APPENDS('e', ArgKind.NONE, 1),
    LIST('l', ArgKind.NONE, 0),
    EMPTY_TUPLE(')', ArgKind.NONE, 1),
    TUPLE('t', ArgKind.NONE, 0),
    TUPLE1(0x85, ArgKind.NONE, 2),
    TUPLE2(0x86, ArgKind.NONE, 2),
    TUPLE3(0x87, ArgKind.NONE, 2),
    EMPTY_DICT('}', ArgKind.NONE, 1),
    DICT('d', ArgKind.NONE, 0),
    SETITEM('s', ArgKind.NONE, 0),
    SETITEMS('u', ArgKind.NONE, 1),
    EMPTY_SET(0x8f, ArgKind.NONE, 4),
    ADDITEMS(0x90, ArgKind.NONE, 4),
    FROZENSET(0x91, ArgKind.NONE, 4),
    // --- stack ---------------------------------------------------------------------------------------
    POP('0', ArgKind.NONE, 0),
    DUP('2', ArgKind.NONE, 0),
    MARK('(', ArgKind.NONE, 0),
    POP_MARK('1', ArgKind.NONE, 1),
    // --- memo ----------------------------------------------------------------------------------------
    GET('g', ArgKind.DECIMAL_NL, 0),
    BINGET('h', ArgKind.UINT1, 1),
    LONG_BINGET('j', ArgKind.UINT4, 1),
    PUT('p', ArgKind.DECIMAL_NL, 0),
    BINPUT('q', ArgKind.UINT1, 1),
    LONG_BINPUT('r', ArgKind.UINT4, 1),
    MEMOIZE(0x94, ArgKind.NONE, 4),
    // --- the extension registry (copyreg): never available ----------------------------------------------
    EXT1(0x82, ArgKind.UINT1, 2),
    EXT2(0x83, ArgKind.UINT2, 2),
    EXT4(0x84, ArgKind.INT4, 2),
    // --- names and calls -----------------------------------------------------------------------------
    GLOBAL('c', ArgKind.STRING_NL_NOESCAPE_PAIR, 0),
    STACK_GLOBAL(0x93, ArgKind.NONE, 4),
    REDUCE('R', ArgKind.NONE, 0),
    BUILD('b', ArgKind.NONE, 0),
    INST('i', ArgKind.STRING_NL_NOESCAPE_PAIR, 0),
    OBJ('o', ArgKind.NONE, 1),
    NEWOBJ(0x81, ArgKind.NONE, 2),
    NEWOBJ_EX(0x92, ArgKind.NONE, 4),
    // --- machine control -----------------------------------------------------------------------------
    PROTO(0x80, ArgKind.UINT1, 2),
    STOP('.', ArgKind.NONE, 0),
    FRAME(0x95, ArgKind.UINT8, 4),
    // --- persistent ids ------------------------------------------------------------------------------
    PERSID('P', ArgKind.STRING_NL_NOESCAPE, 0),
    BINPERSID('Q', ArgKind.NONE, 1);

    private static final Opcode[] BY_CODE = new Opcode[256];

    static {
        for (Opcode op : values()) {
            if (BY_CODE[op.code] != null) {
                throw new AssertionError("two opcodes for byte " + op.code);
            }
            BY_CODE[op.code] = op;
        }
    }

    private final int code;
    private final ArgKind arg;
    private final int protocol;

    Opcode(int code, ArgKind arg, int protocol) {
        this.code = code;
        this.arg = arg;
        this.protocol = protocol;
    }

    /** The opcode byte (0 to 255). */
    public int code() {
        return code;
    }

    /** How the inline argument is encoded. */
    public ArgKind arg() {
        return arg;
    }

    /** The pickle protocol that introduced the opcode. */
    public int protocol() {
        return protocol;
    }

    /** The opcode of a byte, or empty for a byte that is no opcode. */
    public static Optional<Opcode> of(int code) {
        return Optional.ofNullable(byCode(code));
    }

    /** The opcode of a byte (0 to 255), or null. */
    static Opcode byCode(int code) {
        return BY_CODE[code & 0xff];
    }

    /** The opcode and its byte, for messages: {@code REDUCE ('R')} or {@code PROTO (0x80)}. */
    public String describe() {
        return name() + (code >= 0x20 && code < 0x7f ? " ('" + (char) code + "')" : String.format(" (0x%02x)", code));
    }
}
