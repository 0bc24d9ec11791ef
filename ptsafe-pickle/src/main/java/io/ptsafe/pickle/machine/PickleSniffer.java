package io.ptsafe.pickle.machine;

/**
 * Tells whether a file is a pickle torch's unpickler would start to run. For a file that is not a
 * zip, {@code torch.load} unpickles the first pickle with the full unpickler before it checks
 * anything (torch 1.13 {@code torch/serialization.py} {@code _legacy_load}, line 1002:
 * {@code magic_number = pickle_module.load(f, **pickle_load_args)}, compared with the magic number
 * only on line 1003). So a file whose first byte is an opcode is a pickle, whatever follows, unless
 * CPython's unpickler provably fails at that very first opcode, before anything could run.
 *
 * <p>The first-opcode failures accepted here are those where both CPython 3.11's C unpickler
 * ({@code _pickle.c}) and its pure-Python one ({@code pickle.py} {@code _Unpickler}) fail; each is
 * shown by {@code ptsafe-pickle/src/test/fixtures/differential/make_detect_cases.py}:
 * <ul>
 * <li>a byte that is no opcode ("invalid load key"), or an empty file ("Ran out of input");</li>
 * <li>an opcode that needs a stack item, a MARK or a memo entry, which the empty stack and memo do
 *     not have (STOP, POP, APPEND, TUPLE, REDUCE, BINPUT, BINGET ...: "unpickling stack underflow",
 *     "could not find MARK", "Memo value not found");</li>
 * <li>a fixed-size or length-prefixed argument running past the end of the file, or a negative
 *     BINSTRING or LONG4 length ("pickle data was truncated", "negative byte count"); the pure-Python
 *     unpickler reads short there and then meets the end of the file, so nothing follows either;</li>
 * <li>PROTO above 5 ("unsupported pickle protocol");</li>
 * <li>a text argument that does not parse: INT, LONG, GET, PUT not an integer, FLOAT not a float,
 *     STRING not quoted, or a text line running to the end of the file;</li>
 * <li>PERSID: torch's first load has no persistent_load ("A load persistent id instruction was
 *     encountered").</li>
 * </ul>
 * Everything else is a pickle: GLOBAL and INST (the pure-Python unpickler imports the module before
 * it looks for a MARK), EXT1/2/4 (the copyreg registry), FRAME (the pure-Python unpickler reads a
 * short frame and runs what is in it), and any opcode whose argument is well formed.
 */
public final class PickleSniffer {
    private PickleSniffer() {
    }

    /**
     * {@return whether {@code head} (the whole of a short file) reads as the start of a pickle}
     *
     * @param head the first bytes of a file, taken as the whole file
     */
    static boolean looksLikePickle(byte[] head) {
        return whyNotAPickle(head, head.length) == null;
    }

    /**
     * Decides whether torch's unpickler would start to run a file.
     *
     * @param head     the first bytes of the file (up to a few KB)
     * @param fileSize the file's size in bytes
     * @return null when the file is a pickle (to be judged by the restricted machine), otherwise why
     *         CPython's unpickler fails at the first opcode, for a "not a model file" listing
     */
    public static String whyNotAPickle(byte[] head, long fileSize) {
        if (fileSize == 0 || head.length == 0) {
            return "empty file (CPython's unpickler: \"Ran out of input\")";
        }
        Opcode op = Opcode.byCode(head[0] & 0xff);
        if (op == null) {
            return String.format("first byte 0x%02x is no pickle opcode (CPython's unpickler: \"invalid load key\")",
                    head[0] & 0xff);
        }
        String fails = "starts with pickle opcode " + op.describe() + ", at which CPython's unpickler fails before "
                + "anything runs: ";
        return switch (op) {
            case STOP, POP, POP_MARK, DUP, APPEND, APPENDS, LIST, TUPLE, TUPLE1, TUPLE2, TUPLE3, DICT, SETITEM,
                    SETITEMS, ADDITEMS, FROZENSET, REDUCE, BUILD, OBJ, NEWOBJ, NEWOBJ_EX, STACK_GLOBAL, MEMOIZE,
                    BINPERSID -> fails + "it needs a stack item or a MARK and the stack is empty";
            case READONLY_BUFFER -> fails + "it needs a stack item and the stack is empty";
            case NEXT_BUFFER -> fails + "torch passes no out-of-band buffers";
            case BINPUT, LONG_BINPUT, PUT -> fails + "it stores the top of the stack in the memo and the stack is empty";
            case BINGET, LONG_BINGET, GET -> fails + "it reads the memo and the memo is empty";
            case PERSID -> fails + "torch's first pickle.load has no persistent_load (serialization.py line 1002)";
            case PROTO -> fileSize < 2 ? fails + "its argument runs past the end of the file"
                    : (head.length > 1 && (head[1] & 0xff) > 5 ? fails + "unsupported protocol " + (head[1] & 0xff)
                    : null);
            case INT, LONG -> {
                String f = lineFailure(head, fileSize, fails);
                yield f != null ? f : lineOutside(head, "0123456789abcdefABCDEFxXoObBlL_+- \t\r\f", fails, "no integer");
            }
            case FLOAT -> {
                String f = lineFailure(head, fileSize, fails);
                yield f != null ? f : lineOutside(head, "0123456789.eE_+- \t\r\finfatyINFATY", fails, "no float");
            }
            case STRING -> {
                String f = lineFailure(head, fileSize, fails);
                yield f != null ? f : quoted(head) ? null : fails + "its argument is not quoted";
            }
            case GLOBAL, INST, EXT1, EXT2, EXT4, FRAME -> null;
            default -> argumentFailure(op, head, fileSize, fails);
        };
    }

    /** A fixed-size or length-prefixed argument past the end of the file, or a negative length. */
    private static String argumentFailure(Opcode op, byte[] h, long size, String fails) {
        int fixed = op.arg().fixedSize();
        if (fixed >= 0) {
            return 1 + fixed > size ? fails + "its " + fixed + "-byte argument runs past the end of the file" : null;
        }
        int width = switch (op.arg()) {
            case LONG1, BYTES1, UNICODE1 -> 1;
            case LONG4, BYTES4, UNICODE4 -> 4;
            case BYTES8, UNICODE8 -> 8;
            // text arguments of the opcodes not handled above (UNICODE): any line decodes
            default -> -1;
        };
        if (width < 0) {
            return lineFailure(h, size, fails);
        }
        if (1 + width > size || 1 + width > h.length) {
            return 1 + width > size ? fails + "its length runs past the end of the file" : null;
        }
        long n = 0;
        for (int i = width; i >= 1; i--) {
            n = n << 8 | (h[i] & 0xff);
        }
        boolean signed = op == Opcode.BINSTRING || op == Opcode.LONG4;
        if (width == 4 && signed) {
            n = (int) n;
        }
        if (signed && n < 0) {
            return fails + "negative length " + n;
        }
        // an 8-byte length above Long.MAX_VALUE reads as negative here: it runs past any file too
        if (n < 0 || n > size - 1 - width) {
            return fails + "its length " + Long.toUnsignedString(n) + " runs past the end of the file ("
                    + size + " bytes)";
        }
        return null;
    }

    /** The first text line: null when it ends with a newline within the head, else why it fails. */
    private static String lineFailure(byte[] h, long size, String fails) {
        for (int i = 1; i < h.length; i++) {
            if (h[i] == '\n') {
                return null;
            }
        }
        return h.length >= size ? fails + "its text argument runs to the end of the file without a newline" : null;
    }

    /** The first line holds a character outside {@code allowed}: it cannot parse. */
    private static String lineOutside(byte[] h, String allowed, String fails, String what) {
        for (int i = 1; i < h.length && h[i] != '\n'; i++) {
            int c = h[i] & 0xff;
            if (c >= 0x80 || allowed.indexOf(c) < 0) {
                return fails + "its text argument is " + what;
            }
        }
        return h.length > 1 && h[1] == '\n' ? fails + "its text argument is empty" : null;
    }

    /** STRING's argument: at least two bytes, the first and last the same quote (load_string). */
    private static boolean quoted(byte[] h) {
        int end = 1;
        while (end < h.length && h[end] != '\n') {
            end++;
        }
        int len = end - 1;
        return len >= 2 && h[1] == h[end - 1] && (h[1] == '\'' || h[1] == '"');
    }
}
