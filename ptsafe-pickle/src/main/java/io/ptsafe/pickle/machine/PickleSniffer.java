package io.ptsafe.pickle.machine;

/**
 * Tells whether a file is a pickle torch's unpickler would start to run. For a file that is not a
 * zip, {@code torch.load} unpickles the first pickle with the full unpickler before it checks
 * anything (torch 1.13 {@code torch/serialization.py} {@code _legacy_load}, line 1002:
 * {@code magic_number = pickle_module.load(f, **pickle_load_args)}, compared with the magic number
 * only on line 1003). So a file whose first byte is an opcode is a pickle, whatever follows, unless
 * CPython's unpickler provably fails before it reaches anything that could run code or import.
 *
 * <p>The sniffer follows the opcodes from the start of the file with a model of CPython's stack (a
 * count of values per MARK level) and memo (the indices set), reading each argument as the opcode
 * table ({@link ArgKind}) describes it. It stops with "a pickle" (fail closed) at the first opcode
 * that can import or run code (GLOBAL, STACK_GLOBAL, INST, OBJ, REDUCE, NEWOBJ, NEWOBJ_EX, BUILD,
 * EXT1/2/4, PERSID after the first byte, BINPERSID) unless CPython fails there before it acts, at
 * FRAME (the two unpicklers read a short frame differently), at any opcode whose effect depends on
 * the values' types (APPEND, SETITEM ... with enough values), at any argument the two CPython
 * unpicklers might read differently (a text number that is not plain decimal, a string with
 * non-ASCII bytes or escapes), at a successful STOP, and where the head read ends before the file.
 *
 * <p>The failures accepted, each one where both CPython 3.11's C unpickler ({@code _pickle.c}) and
 * its pure-Python one ({@code pickle.py} {@code _Unpickler}) fail, shown on samples by
 * {@code ptsafe-pickle/src/test/fixtures/differential/make_detect_cases.py}:
 * <ul>
 * <li>a byte that is no opcode ("invalid load key"), or the end of the file before STOP ("Ran out of
 *     input");</li>
 * <li>an opcode that needs more values since the last MARK, a MARK, or a memo entry than there are
 *     ("unpickling stack underflow", "could not find MARK", "Memo value not found");</li>
 * <li>a fixed-size or length-prefixed argument running past the end of the file, or a negative
 *     BINSTRING or LONG4 length ("pickle data was truncated", "negative byte count"); the pure-Python
 *     unpickler reads short there and then meets the end of the file, so nothing follows either;</li>
 * <li>PROTO above 5 ("unsupported pickle protocol");</li>
 * <li>a text argument that does not parse: INT, LONG, GET, PUT not an integer, FLOAT not a float,
 *     STRING not quoted, or a text line running to the end of the file;</li>
 * <li>PERSID as the first opcode: torch's first load has no persistent_load;</li>
 * <li>NEXT_BUFFER: torch passes no out-of-band buffers;</li>
 * <li>GLOBAL or INST whose module line is complete and whose first dotted component holds an ASCII
 *     character no Python identifier has (a space, '-', '\r' ...) or starts with a digit: both
 *     unpicklers' find_class call {@code __import__} on it, which raises ModuleNotFoundError (C
 *     load_inst fails at its MARK first). No fix_imports mapping ({@code _compat_pickle}) has such a
 *     key. Such a name imports only if a file of exactly that name lies on {@code sys.path}.</li>
 * </ul>
 * So "MIT License" (BININT2, then ' ', no opcode), "Copyright ..." (SHORT_BINBYTES, then usually an
 * underflow) and "import torch" (INST of module "mport torch") are not model files.
 */
public final class PickleSniffer {
    /** Opcodes followed before giving up (a pickle). */
    private static final int MAX_OPCODES = 4096;
    /** Digits of a text number both unpicklers read alike (no int_max_str_digits, no overflow). */
    private static final int MAX_PLAIN_DIGITS = 18;

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
     *         CPython's unpickler fails before anything runs, for a "not a model file" listing
     */
    public static String whyNotAPickle(byte[] head, long fileSize) {
        if (fileSize == 0 || head.length == 0) {
            return "empty file (CPython's unpickler: \"Ran out of input\")";
        }
        Opcode first = Opcode.byCode(head[0] & 0xff);
        if (first == null) {
            return String.format("first byte 0x%02x is no pickle opcode (CPython's unpickler: \"invalid load key\")",
                    head[0] & 0xff);
        }
        try {
            new Walk(head, fileSize).run();
            return null;
        } catch (Stop s) {
            return s.why;
        }
    }

    /** Ends the walk: {@code why} CPython fails, or null for "a pickle". */
    private static final class Stop extends RuntimeException {
        private final String why;

        Stop(String why) {
            super(null, null, false, false);
            this.why = why;
        }
    }

    private static final Stop PICKLE = new Stop(null);

    /** One pass over the head, modelling what CPython's unpicklers hold. */
    private static final class Walk {
        private final byte[] h;
        private final java.lang.foreign.MemorySegment seg;
        private final long size;
        private int pos;
        private int at;
        private Opcode op;
        /** Values since the last MARK. */
        private int depth;
        private int[] marks = new int[8];
        private int markCount;
        private final java.util.Set<Long> memo = new java.util.HashSet<>();

        Walk(byte[] h, long size) {
            this.h = h;
            this.seg = java.lang.foreign.MemorySegment.ofArray(h);
            this.size = size;
        }

        void run() {
            for (int n = 0; n < MAX_OPCODES; n++) {
                if (pos >= h.length) {
                    if (pos < size) {
                        throw PICKLE;
                    }
                    throw new Stop("reads as pickle opcodes to the end of the file (" + size
                            + " bytes) without STOP (CPython's unpickler: \"Ran out of input\")");
                }
                at = pos;
                op = Opcode.byCode(h[pos] & 0xff);
                if (op == null) {
                    throw new Stop(String.format("reads as pickle opcodes up to byte %d, which is 0x%02x, no pickle "
                            + "opcode (CPython's unpickler: \"invalid load key\")", pos, h[pos] & 0xff));
                }
                pos++;
                step();
            }
            throw PICKLE;
        }

        private Stop fail(String why) {
            String where = at == 0 ? "starts with pickle opcode " + op.describe()
                    : "reads as pickle opcodes up to " + op.describe() + " at byte " + at;
            return new Stop(where + ", at which CPython's unpickler fails before anything runs: " + why);
        }

        private void step() {
            switch (op) {
                case PROTO -> {
                    long v = fixed();
                    if (v > 5) {
                        throw fail("unsupported protocol " + v);
                    }
                }
                case INT, LONG -> {
                    String s = line();
                    if (op == Opcode.INT && (s.equals("00") || s.equals("01"))) {
                        push();
                        return;
                    }
                    textNumber(op == Opcode.LONG && s.endsWith("L") ? s.substring(0, s.length() - 1) : s,
                            "0123456789abcdefABCDEFxXoObBlL_+- \t\r\f", "no integer");
                    push();
                }
                case FLOAT -> {
                    String s = line();
                    textNumber(s.replace(".", ""), "0123456789eE_+- \t\r\finfatyINFATY", "no float");
                    if (!s.matches("-?[0-9]{1,18}\\.[0-9]{1,18}|-?[0-9]{1,18}")) {
                        throw PICKLE;
                    }
                    push();
                }
                case STRING -> {
                    String s = line();
                    int len = s.length();
                    if (len < 2 || s.charAt(0) != s.charAt(len - 1) || (s.charAt(0) != '\'' && s.charAt(0) != '"')) {
                        throw fail("its argument is not quoted");
                    }
                    plainText(s);
                    push();
                }
                case UNICODE -> {
                    plainText(line());
                    push();
                }
                case BINSTRING, SHORT_BINSTRING, BINUNICODE, SHORT_BINUNICODE, BINUNICODE8 -> {
                    int start = pos + op.arg().lengthSize();
                    prefixed();
                    plainText(new String(h, start, pos - start, java.nio.charset.StandardCharsets.ISO_8859_1));
                    push();
                }
                case BINBYTES, SHORT_BINBYTES, BINBYTES8, BYTEARRAY8, LONG1, LONG4 -> {
                    prefixed();
                    push();
                }
                case BININT, BININT1, BININT2, BINFLOAT -> {
                    fixed();
                    push();
                }
                case NONE, NEWTRUE, NEWFALSE, EMPTY_LIST, EMPTY_TUPLE, EMPTY_DICT, EMPTY_SET -> push();
                case MARK -> {
                    if (markCount == marks.length) {
                        marks = java.util.Arrays.copyOf(marks, marks.length * 2);
                    }
                    marks[markCount++] = depth;
                    depth = 0;
                }
                case POP -> {
                    // C load_pop drops an empty MARK level; pickle.py load_pop calls pop_mark
                    if (depth > 0) {
                        depth--;
                    } else {
                        popMark();
                    }
                }
                case DUP -> {
                    need(1);
                    push();
                }
                case POP_MARK -> popMark();
                case LIST, TUPLE -> {
                    popMark();
                    push();
                }
                case DICT, FROZENSET -> {
                    int items = depth;
                    popMark();
                    if (items > 0) {
                        throw PICKLE; // hashing and pairing depend on the values
                    }
                    push();
                }
                case TUPLE1, TUPLE2, TUPLE3 -> {
                    int k = op == Opcode.TUPLE1 ? 1 : op == Opcode.TUPLE2 ? 2 : 3;
                    need(k);
                    depth -= k - 1;
                }
                case APPEND, REDUCE, BUILD, NEWOBJ, STACK_GLOBAL -> {
                    need(2);
                    throw PICKLE;
                }
                case SETITEM, NEWOBJ_EX -> {
                    need(3);
                    throw PICKLE;
                }
                case APPENDS, SETITEMS, ADDITEMS, OBJ -> {
                    popMark();
                    throw PICKLE;
                }
                case READONLY_BUFFER, BINPERSID -> {
                    need(1);
                    throw PICKLE;
                }
                case STOP -> {
                    need(1);
                    throw PICKLE; // a value comes back: torch goes on with the file
                }
                case NEXT_BUFFER -> throw fail("torch passes no out-of-band buffers");
                case GET, BINGET, LONG_BINGET -> {
                    long i = memoIndex();
                    if (!memo.contains(i)) {
                        throw fail("it reads memo index " + i + ", which was never set");
                    }
                    push();
                }
                case PUT, BINPUT, LONG_BINPUT, MEMOIZE -> {
                    long i = op == Opcode.MEMOIZE ? memo.size() : memoIndex();
                    need(1);
                    memo.add(i);
                }
                case PERSID -> {
                    if (at == 0) {
                        throw fail("torch's first pickle.load has no persistent_load (serialization.py line 1002)");
                    }
                    throw PICKLE;
                }
                case GLOBAL, INST -> importFails();
                case EXT1, EXT2, EXT4, FRAME -> throw PICKLE;
            }
        }

        private void push() {
            depth++;
        }

        /** At least {@code n} values since the last MARK, or both unpicklers underflow. */
        private void need(int n) {
            if (depth < n) {
                throw fail(markCount > 0 ? "it needs " + n + " values since the last MARK and there are " + depth
                        : "it needs " + n + (n == 1 ? " value" : " values") + " on the stack and there are " + depth);
            }
        }

        private void popMark() {
            if (markCount == 0) {
                throw fail("it needs a MARK and there is none");
            }
            depth = marks[--markCount];
        }

        /** A fixed-size argument, little-endian (only PROTO and the memo opcodes use the value). */
        private long fixed() {
            int n = op.arg().fixedSize();
            if (n > size - pos) {
                throw fail("its " + n + "-byte argument runs past the end of the file");
            }
            if (n > h.length - pos) {
                throw PICKLE;
            }
            long v = op.arg().numberSize() == 0 ? 0 : op.arg().readNumber(seg, pos);
            pos += n;
            return v;
        }

        /** Skips a length-prefixed argument. */
        private void prefixed() {
            int width = op.arg().lengthSize();
            if (width > size - pos) {
                throw fail("its length runs past the end of the file");
            }
            if (width > h.length - pos) {
                throw PICKLE;
            }
            long n = op.arg().readNumber(seg, pos);
            if (n < 0 && op.arg().signedLength()) {
                throw fail("negative length " + n);
            }
            pos += width;
            // an 8-byte length above Long.MAX_VALUE reads as negative here: it runs past any file too
            if (n < 0 || n > size - pos) {
                throw fail("its length " + Long.toUnsignedString(n) + " runs past the end of the file (" + size
                        + " bytes)");
            }
            if (n > h.length - pos) {
                throw PICKLE;
            }
            pos += (int) n;
        }

        /** The text up to the next newline (consumed), as ISO-8859-1. */
        private String line() {
            for (int i = pos; i < h.length; i++) {
                if (h[i] == '\n') {
                    String s = new String(h, pos, i - pos, java.nio.charset.StandardCharsets.ISO_8859_1);
                    pos = i + 1;
                    return s;
                }
            }
            if (h.length >= size) {
                throw fail("its text argument runs to the end of the file without a newline");
            }
            throw PICKLE;
        }

        /**
         * A text number: plain decimal (at most {@value #MAX_PLAIN_DIGITS} digits) both unpicklers read
         * alike; a character outside {@code allowed}, or nothing, neither reads; anything else: a pickle.
         */
        private void textNumber(String s, String allowed, String what) {
            if (s.isEmpty()) {
                throw fail("its text argument is empty");
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c >= 0x80 || allowed.indexOf(c) < 0) {
                    throw fail("its text argument is " + what);
                }
            }
            String digits = s.startsWith("-") ? s.substring(1) : s;
            boolean plain = !digits.isEmpty() && digits.length() <= MAX_PLAIN_DIGITS
                    && (digits.equals("0") || digits.charAt(0) != '0');
            for (int i = 0; plain && i < digits.length(); i++) {
                plain = digits.charAt(i) >= '0' && digits.charAt(i) <= '9';
            }
            if (!plain) {
                throw PICKLE;
            }
        }

        /** Printable ASCII without backslashes decodes alike under every codec either unpickler uses. */
        private void plainText(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c < 0x20 || c >= 0x7f || c == '\\') {
                    throw PICKLE;
                }
            }
        }

        private long memoIndex() {
            if (op.arg().isLine()) {
                String s = line();
                textNumber(s, "0123456789abcdefABCDEFxXoObBlL_+- \t\r\f", "no integer");
                return Long.parseLong(s);
            }
            return fixed();
        }

        /**
         * GLOBAL and INST: both unpicklers import the module line (C load_inst looks for its MARK
         * first). A first dotted component no Python identifier spells cannot be an installed module:
         * {@code __import__} raises ModuleNotFoundError before anything runs.
         */
        private void importFails() {
            int start = pos;
            int end = start;
            while (end < h.length && h[end] != '\n') {
                end++;
            }
            if (end >= h.length) {
                throw PICKLE; // a partial last line is imported as it is (pickle.py readline)
            }
            int stopAt = start;
            while (stopAt < end && h[stopAt] != '.') {
                stopAt++;
            }
            boolean bad = stopAt > start && h[start] >= '0' && h[start] <= '9';
            for (int i = start; i < stopAt && !bad; i++) {
                int c = h[i] & 0xff;
                bad = c < 0x80 && !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9');
            }
            if (!bad) {
                throw PICKLE;
            }
            String module = new String(h, start, end - start, java.nio.charset.StandardCharsets.ISO_8859_1);
            throw fail("module \"" + module.replace("\r", "\\r").replace("\t", "\\t")
                    + "\" is no importable name (CPython's unpickler: ModuleNotFoundError)");
        }
    }
}
