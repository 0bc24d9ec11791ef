package io.ptsafe.pickle.machine;

import java.util.Optional;

/**
 * Every opcode of pickle protocols 0 to 5, as data: the byte, how its argument is encoded, the
 * protocol that introduced it, and what class of operation it is. This is the table CPython's
 * pickletools keeps; the machine dispatches on it and the scanner reports by {@link Category}.
 */
public enum Opcode {
    // --- integers ----------------------------------------------------------------------------------
    INT('I', ArgKind.DECIMAL_NL, 0, Category.DATA),
    BININT('J', ArgKind.INT4, 1, Category.DATA),
    BININT1('K', ArgKind.UINT1, 1, Category.DATA),
    BININT2('M', ArgKind.UINT2, 1, Category.DATA),
    LONG('L', ArgKind.DECIMAL_NL_LONG, 0, Category.DATA),
    LONG1(0x8a, ArgKind.LONG1, 2, Category.DATA),
    LONG4(0x8b, ArgKind.LONG4, 2, Category.DATA),
    // --- strings and bytes ---------------------------------------------------------------------------
    STRING('S', ArgKind.STRING_NL, 0, Category.DATA),
    BINSTRING('T', ArgKind.BYTES4, 1, Category.DATA),
    SHORT_BINSTRING('U', ArgKind.BYTES1, 1, Category.DATA),
    BINBYTES('B', ArgKind.BYTES4, 3, Category.DATA),
    SHORT_BINBYTES('C', ArgKind.BYTES1, 3, Category.DATA),
    BINBYTES8(0x8e, ArgKind.BYTES8, 4, Category.DATA),
    BYTEARRAY8(0x96, ArgKind.BYTES8, 5, Category.DATA),
    NEXT_BUFFER(0x97, ArgKind.NONE, 5, Category.OUT_OF_BAND),
    READONLY_BUFFER(0x98, ArgKind.NONE, 5, Category.OUT_OF_BAND),
    UNICODE('V', ArgKind.UNICODE_NL, 0, Category.DATA),
    SHORT_BINUNICODE(0x8c, ArgKind.UNICODE1, 4, Category.DATA),
    BINUNICODE('X', ArgKind.UNICODE4, 1, Category.DATA),
    BINUNICODE8(0x8d, ArgKind.UNICODE8, 4, Category.DATA),
    // --- constants and floats ------------------------------------------------------------------------
    NONE('N', ArgKind.NONE, 0, Category.DATA),
    NEWTRUE(0x88, ArgKind.NONE, 2, Category.DATA),
    NEWFALSE(0x89, ArgKind.NONE, 2, Category.DATA),
    FLOAT('F', ArgKind.FLOAT_NL, 0, Category.DATA),
    BINFLOAT('G', ArgKind.FLOAT8, 1, Category.DATA),
    // --- containers ----------------------------------------------------------------------------------
    EMPTY_LIST(']', ArgKind.NONE, 1, Category.CONTAINER),
    APPEND('a', ArgKind.NONE, 0, Category.CONTAINER),
    APPENDS('e', ArgKind.NONE, 1, Category.CONTAINER),
    LIST('l', ArgKind.NONE, 0, Category.CONTAINER),
    EMPTY_TUPLE(')', ArgKind.NONE, 1, Category.CONTAINER),
    TUPLE('t', ArgKind.NONE, 0, Category.CONTAINER),
    TUPLE1(0x85, ArgKind.NONE, 2, Category.CONTAINER),
    TUPLE2(0x86, ArgKind.NONE, 2, Category.CONTAINER),
    TUPLE3(0x87, ArgKind.NONE, 2, Category.CONTAINER),
    EMPTY_DICT('}', ArgKind.NONE, 1, Category.CONTAINER),
    DICT('d', ArgKind.NONE, 0, Category.CONTAINER),
    SETITEM('s', ArgKind.NONE, 0, Category.CONTAINER),
    SETITEMS('u', ArgKind.NONE, 1, Category.CONTAINER),
    EMPTY_SET(0x8f, ArgKind.NONE, 4, Category.CONTAINER),
    ADDITEMS(0x90, ArgKind.NONE, 4, Category.CONTAINER),
    FROZENSET(0x91, ArgKind.NONE, 4, Category.CONTAINER),
    // --- stack ---------------------------------------------------------------------------------------
    POP('0', ArgKind.NONE, 0, Category.STACK),
    DUP('2', ArgKind.NONE, 0, Category.STACK),
    MARK('(', ArgKind.NONE, 0, Category.STACK),
    POP_MARK('1', ArgKind.NONE, 1, Category.STACK),
    // --- memo ----------------------------------------------------------------------------------------
    GET('g', ArgKind.DECIMAL_NL, 0, Category.MEMO),
    BINGET('h', ArgKind.UINT1, 1, Category.MEMO),
    LONG_BINGET('j', ArgKind.UINT4, 1, Category.MEMO),
    PUT('p', ArgKind.DECIMAL_NL, 0, Category.MEMO),
    BINPUT('q', ArgKind.UINT1, 1, Category.MEMO),
    LONG_BINPUT('r', ArgKind.UINT4, 1, Category.MEMO),
    MEMOIZE(0x94, ArgKind.NONE, 4, Category.MEMO),
    // --- the extension registry (copyreg): never available ----------------------------------------------
    EXT1(0x82, ArgKind.UINT1, 2, Category.EXTENSION),
    EXT2(0x83, ArgKind.UINT2, 2, Category.EXTENSION),
    EXT4(0x84, ArgKind.INT4, 2, Category.EXTENSION),
    // --- names and calls -----------------------------------------------------------------------------
    GLOBAL('c', ArgKind.STRING_NL_NOESCAPE_PAIR, 0, Category.GLOBAL),
    STACK_GLOBAL(0x93, ArgKind.NONE, 4, Category.GLOBAL),
    REDUCE('R', ArgKind.NONE, 0, Category.CALL),
    BUILD('b', ArgKind.NONE, 0, Category.CALL),
    INST('i', ArgKind.STRING_NL_NOESCAPE_PAIR, 0, Category.CALL),
    OBJ('o', ArgKind.NONE, 1, Category.CALL),
    NEWOBJ(0x81, ArgKind.NONE, 2, Category.CALL),
    NEWOBJ_EX(0x92, ArgKind.NONE, 4, Category.CALL),
    // --- machine control -----------------------------------------------------------------------------
    PROTO(0x80, ArgKind.UINT1, 2, Category.FRAMING),
    STOP('.', ArgKind.NONE, 0, Category.FRAMING),
    FRAME(0x95, ArgKind.UINT8, 4, Category.FRAMING),
    // --- persistent ids ------------------------------------------------------------------------------
    PERSID('P', ArgKind.STRING_NL_NOESCAPE, 0, Category.PERSISTENT_ID),
    BINPERSID('Q', ArgKind.NONE, 1, Category.PERSISTENT_ID);

    /** What an opcode does, broadly: what a scanner reports and what a policy can refuse by class. */
    public enum Category {
        /** Pushes a constant: numbers, strings, bytes, None, booleans. */
        DATA,
        /** Builds or fills a list, tuple, dict or set. */
        CONTAINER,
        /** Rearranges the stack (POP, DUP, MARK). */
        STACK,
        /** Reads or writes the memo. */
        MEMO,
        /** Names a module attribute: the only way a pickle reaches code. */
        GLOBAL,
        /** Calls or instantiates something (REDUCE, BUILD, NEWOBJ, INST, OBJ). */
        CALL,
        /** Asks the loader for an object by id (torch: storages). */
        PERSISTENT_ID,
        /** Refers to the copyreg extension registry. */
        EXTENSION,
        /** Refers to out-of-band buffers (protocol 5). */
        OUT_OF_BAND,
        /** Protocol, frame and stop markers. */
        FRAMING
    }

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
    private final Category category;

    Opcode(int code, ArgKind arg, int protocol, Category category) {
        this.code = code;
        this.arg = arg;
        this.protocol = protocol;
        this.category = category;
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

    public Category category() {
        return category;
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
