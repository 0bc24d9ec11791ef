package io.ptsafe.pickle.machine;

import io.ptsafe.Limit;
import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * A pickle machine that cannot execute: it decodes every opcode of protocols 0 to 5 into inert
 * machine values, looks every global up in a {@link GlobalTable} of Java meanings, and refuses
 * everything else. Iterative (no recursion on anything the pickle controls), bounds-checked, and
 * limited by {@link LoadOptions}.
 *
 * <pre>{@code
 * PickleResult r = PickleMachine.on(input, options).globals(table).persistentIds(loader).run();
 * PyValue tree = TreeConverter.convert(r, leaves, options, input).root();
 * }</pre>
 *
 * <p>Rules beyond Python's:
 * <ul>
 * <li>INST, OBJ, EXT1/2/4 and the out-of-band buffer opcodes are refused (FORBIDDEN_OPCODE).
 * <li>A global outside the table does not stop the machine: it becomes a poison value and decoding
 * goes on, so that the refusal (FORBIDDEN_GLOBAL) lists every forbidden name with its offset.
 * <li>STRING, BINSTRING and SHORT_BINSTRING are decoded as UTF-8 text, as {@code torch.load} does
 * (it passes {@code encoding="utf-8"}); bytes that are not UTF-8 are refused (MALFORMED_PICKLE).
 * <li>STOP must leave exactly one value and no open MARK; bytes after STOP are refused
 * (TRAILING_DATA) unless the caller reads a stream of pickles ({@link Builder#allowTrailingData()}).
 * torch ignores bytes after STOP in data.pkl, but torch.save never writes any, and a second pickle
 * hidden there is a known way to make scanners and loaders disagree.
 * <li>Dict keys and set elements must be hashable values of at most {@link #MAX_KEY_NODES} nodes.
 * <li>For protocols 0 to 2 the module {@code __builtin__} reads as {@code builtins} (Python 3's
 * fix_imports); {@code torch.tensor} reads as {@code torch._tensor} (torch's own rename).
 * </ul>
 *
 * <p>One loop, one {@code switch} over {@link Opcode}: each opcode's argument is read before its case
 * runs, by one reader driven by the opcode table ({@link Opcode#arg()}), as CPython's pickletools
 * describes opcodes as data; the stack (with its MARKs) and the memo are classes of their own.
 *
 * <p>Everything the machine creates is charged to a {@link DecodeBudget} of
 * {@link LoadOptions#maxDecodedBytes()} as it is created ({@link HeapCost}): the limits on each
 * container, string and the memo do not bound their sum. Large arrays (strings, bytes, the memo) are
 * checked against it before they are allocated.
 *
 * <p>Nesting (MARKs, and containers in the result) is bounded by {@link LoadOptions#maxNestingDepth()}
 * so that code outside the machine may recurse over a tree: at the default of 256 the PyValue
 * records' own equals, hashCode and toString need less than 512 KiB of thread stack (tested), half
 * the JVM's default. A caller raising the limit into the thousands should not call them on
 * untrusted trees.
 */
public final class PickleMachine {
    /** Largest dict key or set element, in nodes (a tuple of three strings is four nodes). */
    public static final int MAX_KEY_NODES = 64;
    /** Forbidden globals named in an error message; the exception carries them all. */
    private static final int MAX_NAMES_IN_MESSAGE = 50;
    /** The largest array the JVM allocates. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;
    /** The ints 0 to 255 (BININT1), shared: checkpoints hold millions of small sizes and strides. */
    private static final PyValue.Int[] SMALL_INTS = new PyValue.Int[256];

    static {
        for (int i = 0; i < SMALL_INTS.length; i++) {
            SMALL_INTS[i] = PyValue.Int.of(i);
        }
    }

    private final PickleInput input;
    private final MemorySegment in;
    private final long size;
    private final LoadOptions options;
    private final GlobalTable table;
    private final PersistentLoader loader;
    private final PickleListener listener;
    private final boolean allowTrailing;
    private final boolean scanning;
    private final DecodeBudget budget;
    private final ToLongFunction<Object> otherCost;
    /**
     * The limits checked on every opcode or push, read once from the (immutable) options: the same
     * checks, without an enum ordinal and an array load each time.
     */
    private final long maxOpcodes;
    private final long maxStack;
    private final long maxItems;
    private final int maxMemo;
    /** Whether the listener wants each opcode (not {@link PickleListener#NONE}). */
    private final boolean listening;

    private final Stack stack = new Stack();
    /** Made at the start of {@link #execute}, once {@link MemoReads} knows which indices are read. */
    private Memo memo;
    /** Charged for the stack, the memo and the key cache: given back at STOP, when they go. */
    private long working;
    /** Results that keep nothing of their arguments (see {@link Builder#argumentsDieWith}). */
    private final java.util.function.Predicate<Object> keepsNoArguments;
    /**
     * What a tuple made from a MARK gives back when a call consumes it (see {@link TupleObj#region}):
     * everything charged since its MARK, less {@link #kept} (charges for what outlives the values,
     * such as the memo, the stack, global records and persistent ids), unless an {@link #escapes
     * escape} happened since. Per open MARK: budget used, kept and escapes when it was pushed.
     */
    private long kept;
    /** Counts what may let a value made after a MARK outlive the tuple made from it: a kept PUT, DUP, a mutation. */
    private long escapes;
    private long[] markUsed = new long[16];
    private long[] markKept = new long[16];
    private long[] markEscapes = new long[16];
    private final Map<String, GlobalRef> refs = new HashMap<>();
    private final IdentityHashMap<Object, Key> keys = new IdentityHashMap<>();
    private static final Opcode[] OPCODES = Opcode.values();

    /** Opcodes seen, by byte: a plain array, as this is marked for every opcode run (no load of the opcode first). */
    private final boolean[] used = new boolean[256];
    private final List<GlobalUse> globals = new ArrayList<>();
    private final List<GlobalUse> forbidden = new ArrayList<>();
    /** Reads the opcodes' arguments, and holds the position and the open frame. */
    private final ArgReader args;
    private int proto;
    private long opcodeCount;
    /** Tensors the table's meanings made in this run ({@link Call#countTensor()}). */
    private long tensorCount;
    /** The opcode running, for the messages of refusals made below {@link #step}. */
    private Opcode current;

    static {
        // The bytes execute() switches on, and the opcodes and argument kinds step() gives them.
        assert Opcode.BININT1.code() == 'K' && Opcode.BININT1.arg() == ArgKind.UINT1;
        assert Opcode.BINPUT.code() == 'q' && Opcode.BINPUT.arg() == ArgKind.UINT1;
        assert Opcode.LONG_BINPUT.code() == 'r' && Opcode.LONG_BINPUT.arg() == ArgKind.UINT4;
        assert Opcode.BINGET.code() == 'h' && Opcode.BINGET.arg() == ArgKind.UINT1;
        assert Opcode.LONG_BINGET.code() == 'j' && Opcode.LONG_BINGET.arg() == ArgKind.UINT4;
        for (Opcode op : new Opcode[] {Opcode.MARK, Opcode.TUPLE, Opcode.TUPLE1, Opcode.TUPLE2, Opcode.EMPTY_TUPLE,
                Opcode.NEWFALSE, Opcode.NEWTRUE, Opcode.NONE, Opcode.REDUCE, Opcode.BINPERSID}) {
            assert op.arg() == ArgKind.NONE : op;
        }
        assert Opcode.BINUNICODE.code() == 'X' && Opcode.SHORT_BINUNICODE.code() == 0x8c;
        assert Opcode.MARK.code() == '(' && Opcode.TUPLE.code() == 't' && Opcode.TUPLE1.code() == 0x85
                && Opcode.TUPLE2.code() == 0x86 && Opcode.EMPTY_TUPLE.code() == ')' && Opcode.NEWFALSE.code() == 0x89
                && Opcode.NEWTRUE.code() == 0x88 && Opcode.NONE.code() == 'N' && Opcode.REDUCE.code() == 'R'
                && Opcode.BINPERSID.code() == 'Q';
    }

    private PickleMachine(Builder b, boolean scanning) {
        this.scanning = scanning;
        this.input = b.input;
        this.in = b.input.bytes();
        this.size = in.byteSize();
        this.options = b.options;
        this.table = b.table;
        this.loader = b.loader;
        this.listener = b.listener;
        this.allowTrailing = b.allowTrailing;
        this.budget = b.budget != null ? b.budget : new DecodeBudget(b.options);
        this.otherCost = b.otherCost;
        this.keepsNoArguments = b.keepsNoArguments;
        this.args = new ArgReader(this, in, options);
        this.maxOpcodes = options.maxPickleOpcodes();
        this.maxStack = options.maxStackSize();
        this.maxItems = options.maxContainerItems();
        this.maxMemo = options.maxMemoEntries();
        this.listening = listener != PickleListener.NONE;
    }

    /** Starts configuring a run over {@code input}. */
    public static Builder on(PickleInput input, LoadOptions options) {
        return new Builder(input, options);
    }

    /** Configures and runs the machine. */
    public static final class Builder {
        private final PickleInput input;
        private final LoadOptions options;
        private GlobalTable table = GlobalTable.builder().build();
        private PersistentLoader loader;
        private PickleListener listener = PickleListener.NONE;
        private boolean allowTrailing;
        private DecodeBudget budget;
        private ToLongFunction<Object> otherCost = v -> HeapCost.OTHER;
        private java.util.function.Predicate<Object> keepsNoArguments = v -> false;

        private Builder(PickleInput input, LoadOptions options) {
            this.input = Objects.requireNonNull(input, "input");
            this.options = Objects.requireNonNull(options, "options");
        }

        /** The table of meanings (default: empty, every global forbidden). */
        public Builder globals(GlobalTable table) {
            this.table = Objects.requireNonNull(table, "table");
            return this;
        }

        /** The persistent id loader (default: none, every persistent id refused). */
        public Builder persistentIds(PersistentLoader loader) {
            this.loader = loader;
            return this;
        }

        public Builder listener(PickleListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * The budget to charge (default: a new one): the pickles of one file share one, so that
         * {@link LoadOptions#maxDecodedBytes()} bounds the file, not each pickle.
         */
        public Builder budget(DecodeBudget budget) {
            this.budget = Objects.requireNonNull(budget, "budget");
            return this;
        }

        /**
         * Estimates the heap of values the table's meanings and the persistent loader return that are
         * not machine values (tensors, storages); default {@value HeapCost#OTHER} bytes each.
         */
        public Builder heapCost(ToLongFunction<Object> estimate) {
            this.otherCost = Objects.requireNonNull(estimate, "estimate");
            return this;
        }

        /**
         * Results of calls and persistent ids that keep no value their arguments were made of, beyond
         * what their own {@link #heapCost estimate} counts (default: none): when one is made from a
         * tuple nothing else holds, the tuple and everything made for it alone are given back to the
         * budget. torch's rebuilt tensors keep only their storage and copies of their sizes.
         */
        public Builder argumentsDieWith(java.util.function.Predicate<Object> keepsNoArguments) {
            this.keepsNoArguments = Objects.requireNonNull(keepsNoArguments, "keepsNoArguments");
            return this;
        }

        /** Stops at STOP without requiring the input to end there ({@link PickleResult#end()} tells where). */
        public Builder allowTrailingData() {
            this.allowTrailing = true;
            return this;
        }

        /**
         * Runs to STOP and returns the result; refuses the pickle (FORBIDDEN_GLOBAL, listing them
         * all) if it names any global outside the table.
         */
        public PickleResult run() throws PtsafeException {
            PickleMachine m = new PickleMachine(this, false);
            PickleResult r = m.execute();
            if (!r.forbidden().isEmpty()) {
                throw m.forbiddenGlobals(null);
            }
            return r;
        }

        /**
         * Runs to STOP and returns the result even when the pickle names forbidden globals
         * ({@link PickleResult#forbidden()}): for scanners. Its root must not be converted when
         * {@code forbidden} is non-empty. What would run code (FORBIDDEN_OPCODE, FORBIDDEN_CALL) is
         * reported to {@link PickleListener#refused} and decoding goes on with a poison value in its
         * place, so the scan names everything after it too; the root must not be converted after any
         * such report either. Every other rule still refuses.
         */
        public PickleResult scan() throws PtsafeException {
            return new PickleMachine(this, true).execute();
        }
    }

    LoadOptions options() {
        return options;
    }

    long countTensor() {
        return ++tensorCount;
    }

    PickleInput input() {
        return input;
    }

    // --- the loop ------------------------------------------------------------------------------------

    private PickleResult execute() throws PtsafeException {
        listener.start(input);
        if (size > options.maxPickleBytes()) {
            throw Limit.MAX_PICKLE_BYTES.exceeded(input.file(), input.place(0) + ": pickle of "
                    + size + " bytes", size, options.maxPickleBytes());
        }
        MemoReads reads = MemoReads.scan(in, args.pos, options.maxMemoEntries());
        memo = new Memo(reads);
        keep(reads.heapBytes(), null, args.pos);
        working += reads.heapBytes();
        try {
            while (true) {
                long at = args.pos;
                if (args.frameEnd >= 0 && args.pos >= args.frameEnd) {
                    // The frame is used up: what follows is outside any frame until the next FRAME
                    // (pickle.py _Unframer.read drops a used-up frame and reads on from the file).
                    args.frameEnd = -1;
                }
                if (args.pos >= size) {
                    throw error(Reason.TRUNCATED_PICKLE, at, null, "the pickle ends before STOP");
                }
                int b = args.opcode();
                Opcode op = Opcode.byCode(b);
                if (op == null) {
                    throw error(Reason.UNKNOWN_OPCODE, at, null, String.format("byte 0x%02x is no pickle opcode", b));
                }
                if (++opcodeCount > maxOpcodes) {
                    throw limit(at, op, "opcodes run", Limit.MAX_PICKLE_OPCODES, opcodeCount, options.maxPickleOpcodes());
                }
                used[b] = true;
                current = op;
                if (listening) {
                    listener.opcode(op, at);
                }
                if (op == Opcode.STOP) {
                    return stop(at);
                }
                // The memo opcodes and BININT1, 60% of a data.pkl's opcodes, run here with an int
                // switch on the byte: what step's cases do for them, without the call, the argument
                // reader's dispatch and the enum switch.
                switch (b) {
                    case 'K' -> pushFree(SMALL_INTS[args.uint1(op, at)], at); // BININT1
                    case 'q' -> put(args.uint1(op, at), op, at); // BINPUT
                    case 'r' -> put(args.uint4(op, at), op, at); // LONG_BINPUT
                    case 'h' -> get(args.uint1(op, at), op, at); // BINGET
                    case 'j' -> get(args.uint4(op, at), op, at); // LONG_BINGET
                    // The other opcodes of a torch state dict that have no argument: step's cases, without
                    // its call, its argument reader (which reads nothing for them) and its enum switch.
                    case '(' -> mark(op, at); // MARK
                    case 't' -> tupleFromMark(op, at); // TUPLE
                    case 0x85 -> tuple1(op, at); // TUPLE1
                    case 0x86 -> tuple2(op, at); // TUPLE2
                    case ')' -> pushFree(TupleObj.EMPTY, at); // EMPTY_TUPLE
                    case 0x89 -> pushFree(PyValue.Bool.FALSE, at); // NEWFALSE
                    case 0x88 -> pushFree(PyValue.Bool.TRUE, at); // NEWTRUE
                    case 'N' -> pushFree(PyValue.None.NONE, at); // NONE
                    case 'R' -> reduceOp(op, at); // REDUCE
                    case 'Q' -> binPersId(op, at); // BINPERSID
                    case 'X', 0x8c -> { // BINUNICODE, SHORT_BINUNICODE: every name and storage key
                        args.read(op, at);
                        pushText(at);
                    }
                    default -> step(op, at);
                }
            }
        } catch (PtsafeException e) {
            if (!forbidden.isEmpty() && e.reason() != Reason.FORBIDDEN_GLOBAL) {
                throw forbiddenGlobals(e);
            }
            throw e;
        }
    }

    private PickleResult stop(long at) throws PtsafeException {
        if (stack.markCount() > 0) {
            throw error(Reason.MALFORMED_PICKLE, at, Opcode.STOP, "STOP with a MARK still open");
        }
        if (stack.size() != 1) {
            throw error(Reason.MALFORMED_PICKLE, at, Opcode.STOP, "STOP needs exactly one value on the stack, found "
                    + stack.size());
        }
        if (args.frameEnd >= 0 && args.pos < args.frameEnd) {
            // C _pickle with a peekable file stops right after STOP (load -> _Unpickler_SkipConsumed),
            // pickle.py and C with io.BytesIO have read the whole frame: the next pickle of a legacy
            // stream, or the bytes torch.load ignores after data.pkl's STOP, would start at two places.
            throw error(Reason.PICKLE_FRAME_OVERRUN, at, Opcode.STOP, "STOP leaves " + (args.frameEnd - args.pos)
                    + " unread bytes of the frame that ends at byte " + args.frameEnd + " (torch's readers would go on "
                    + "from different places)");
        }
        if (!allowTrailing && args.pos != size) {
            throw error(Reason.TRAILING_DATA, args.pos, null, (size - args.pos) + " bytes after STOP");
        }
        budget.release(working);
        EnumSet<Opcode> seen = EnumSet.noneOf(Opcode.class);
        for (Opcode o : OPCODES) {
            if (used[o.code()]) {
                seen.add(o);
            }
        }
        return new PickleResult(stack.first(), args.pos, proto, Collections.unmodifiableSet(seen),
                List.copyOf(globals), List.copyOf(forbidden), opcodeCount, budget);
    }

    private void step(Opcode op, long at) throws PtsafeException {
        args.read(op, at);
        switch (op) {
            // --- framing
            case PROTO -> {
                int v = (int) args.num;
                if (v > 5) {
                    throw error(Reason.MALFORMED_PICKLE, at, op, "unsupported pickle protocol " + v);
                }
                proto = v;
            }
            case FRAME -> {
                long n = args.num;
                if (args.frameEnd >= 0 && args.pos < args.frameEnd) {
                    // pickle.py _Unframer.load_frame: "beginning of a new frame before end of current
                    // frame"; C _pickle load_frame reads the new frame from its buffer (or, with io.BytesIO,
                    // from after the old one).
                    throw error(Reason.PICKLE_FRAME_OVERRUN, at, op, "a new frame starts " + (args.frameEnd - args.pos)
                            + " bytes before the current frame ends (byte " + args.frameEnd + ")");
                }
                if (n < 0 || n > size - args.pos) {
                    throw error(Reason.TRUNCATED_PICKLE, at, op, "frame of " + Long.toUnsignedString(n)
                            + " bytes, only " + (size - args.pos) + " left");
                }
                args.frameEnd = args.pos + n;
            }
            // --- constants
            case NONE -> pushFree(PyValue.None.NONE, at);
            case NEWTRUE -> pushFree(PyValue.Bool.TRUE, at);
            case NEWFALSE -> pushFree(PyValue.Bool.FALSE, at);
            case INT -> {
                String s = args.text;
                if (s.equals("00")) {
                    push(PyValue.Bool.FALSE, at);
                } else if (s.equals("01")) {
                    push(PyValue.Bool.TRUE, at);
                } else {
                    try {
                        push(new PyValue.Int(Texts.intArgument(s)), at);
                    } catch (IllegalArgumentException e) {
                        throw textError(e, op, at);
                    }
                }
            }
            case BININT, BININT2 -> pushInt((int) args.num, at);
            case BININT1 -> pushFree(SMALL_INTS[(int) args.num], at);
            case LONG -> {
                String s = args.text;
                String digits = s.endsWith("L") ? s.substring(0, s.length() - 1) : s;
                if (digits.length() > options.maxIntBytes()) {
                    throw limit(at, op, "an integer of " + digits.length() + " digits", Limit.MAX_INT_BYTES, digits.length(),
                            options.maxIntBytes());
                }
                push(new PyValue.Int(decimal(digits, op, at)), at);
            }
            case LONG1, LONG4 -> push(new PyValue.Int(args.big), at);
            case FLOAT -> {
                String s = args.text;
                double d;
                try {
                    d = Texts.pyFloat(s);
                } catch (IllegalArgumentException e) {
                    throw textError(e, op, at);
                }
                push(new PyValue.Float(d), at);
            }
            case BINFLOAT -> push(new PyValue.Float(args.dbl), at);
            // --- strings and bytes
            case STRING -> push(new PyValue.Str(args.utf8(unescape(args.raw, op, at), op, at)), at);
            case BINSTRING, SHORT_BINSTRING, SHORT_BINUNICODE, BINUNICODE, BINUNICODE8 -> pushText(at);
            case UNICODE -> {
                try {
                    push(new PyValue.Str(Texts.rawUnicodeEscape(args.raw)), at);
                } catch (IllegalArgumentException e) {
                    throw error(Reason.MALFORMED_PICKLE, at, op, e.getMessage());
                }
            }
            case SHORT_BINBYTES, BINBYTES, BINBYTES8 -> push(new PyValue.Bytes(args.raw, false), at);
            case BYTEARRAY8 -> push(new PyValue.Bytes(args.raw, true), at);
            // --- containers
            case EMPTY_LIST -> push(new ListObj(), at);
            case LIST -> {
                ListObj l = new ListObj();
                List<Object> items = popMark(op, at);
                checkItems(items.size(), op, at);
                l.items.addAll(items);
                push(l, at);
            }
            case APPEND -> {
                Object v = pop(op, at);
                append(top(op, at), List.of(v), op, at);
            }
            case APPENDS -> {
                List<Object> items = popMark(op, at);
                append(top(op, at), items, op, at);
            }
            case EMPTY_TUPLE -> pushFree(TupleObj.EMPTY, at);
            case TUPLE -> tupleFromMark(op, at);
            case TUPLE1 -> tuple1(op, at);
            case TUPLE2 -> tuple2(op, at);
            case TUPLE3 -> {
                Object c = pop(op, at);
                Object b = pop(op, at);
                Object a = pop(op, at);
                pushTuple(tuple(new Object[] {a, b, c}, at), 0, at);
            }
            case EMPTY_DICT -> push(new DictObj(DictObj.DICT), at);
            case DICT -> {
                List<Object> items = popMark(op, at);
                DictObj d = new DictObj(DictObj.DICT);
                setItems(d, items, op, at);
                push(d, at);
            }
            case SETITEM -> {
                Object v = pop(op, at);
                Object k = pop(op, at);
                setItems(top(op, at), List.of(k, v), op, at);
            }
            case SETITEMS -> {
                List<Object> items = popMark(op, at);
                setItems(top(op, at), items, op, at);
            }
            case EMPTY_SET -> push(new SetObj(false), at);
            case ADDITEMS -> {
                List<Object> items = popMark(op, at);
                Object target = top(op, at);
                if (target instanceof SetObj s && !s.isFrozen()) {
                    addAll(s, items, op, at);
                } else if (!(target instanceof Poison)) {
                    throw error(Reason.MALFORMED_PICKLE, at, op, "ADDITEMS on a " + Values.typeName(target)
                            + " (only a set takes ADDITEMS)");
                }
            }
            case FROZENSET -> {
                List<Object> items = popMark(op, at);
                SetObj s = new SetObj(true);
                addAll(s, items, op, at);
                push(s, at);
            }
            // --- stack
            case POP -> {
                if (!stack.emptySinceMark()) {
                    stack.removeLast();
                } else if (stack.markCount() > 0) {
                    stack.dropMark();
                } else {
                    throw error(Reason.MALFORMED_PICKLE, at, op, "stack underflow");
                }
            }
            case DUP -> {
                escape(top(op, at));
                pushShared(top(op, at), at);
            }
            case MARK -> mark(op, at);
            case POP_MARK -> popMark(op, at);
            // --- memo
            case GET -> get(decimalIndex(op, at), op, at);
            case PUT -> put(decimalIndex(op, at), op, at);
            case BINGET, LONG_BINGET -> get(args.num, op, at);
            case BINPUT, LONG_BINPUT -> put(args.num, op, at);
            case MEMOIZE -> put(memo.size(), op, at);
            // --- globals and calls
            case GLOBAL -> push(resolve(args.text, args.text2, op, at, true), at);
            case STACK_GLOBAL -> {
                Object name = pop(op, at);
                Object module = pop(op, at);
                if (!(module instanceof PyValue.Str m) || !(name instanceof PyValue.Str n)) {
                    throw error(Reason.MALFORMED_PICKLE, at, op, "STACK_GLOBAL needs two str, got "
                            + Values.typeName(module) + " and " + Values.typeName(name));
                }
                push(resolve(m.value(), n.value(), op, at, true), at);
            }
            case REDUCE -> reduceOp(op, at);
            case NEWOBJ -> {
                Object args = pop(op, at);
                Object cls = pop(op, at);
                push(consumed(args, call(cls, args, null, op, at)), at);
            }
            case NEWOBJ_EX -> {
                Object kwargs = pop(op, at);
                Object args = pop(op, at);
                Object cls = pop(op, at);
                if (!(kwargs instanceof DictObj) && !(kwargs instanceof Poison)) {
                    throw error(Reason.MALFORMED_PICKLE, at, op, "NEWOBJ_EX keyword arguments must be a dict, got "
                            + Values.typeName(kwargs));
                }
                push(consumed(args, call(cls, args, kwargs, op, at)), at);
            }
            case BUILD -> {
                escapes++;
                Object state = pop(op, at);
                Object inst = top(op, at);
                if (inst instanceof Poison) {
                    return;
                }
                Object built;
                if (!(inst instanceof Buildable b)) {
                    built = goOn(error(Reason.FORBIDDEN_CALL, at, op, "BUILD on a " + Values.typeName(inst)
                            + " is not allowed"), op, at, "BUILD on a " + Values.typeName(inst));
                } else {
                    try {
                        built = b.build(state, new Call(this, op, at, null, TupleObj.EMPTY, null));
                    } catch (PtsafeException e) {
                        built = goOnAfterCall(e, op, at, "BUILD on a " + Values.typeName(inst));
                    }
                }
                if (built != inst) {
                    charge(HeapCost.of(built, otherCost), op, at);
                }
                stack.setLast(built);
            }
            case INST -> {
                String module = args.text;
                String name = args.text2;
                // Reported to the listener, but the opcode is refused whatever the name.
                resolve(module, name, op, at, false);
                Object poison = goOn(error(Reason.FORBIDDEN_OPCODE, at, op, "INST (" + module + "." + name
                        + ") instantiates a class by name; ptsafe never does"), op, at, "INST " + module + "." + name);
                popMark(op, at);
                push(poison, at);
            }
            case OBJ -> {
                Object poison = goOn(error(Reason.FORBIDDEN_OPCODE, at, op, "OBJ instantiates a class; ptsafe never does"),
                        op, at, "OBJ");
                popMark(op, at);
                push(poison, at);
            }
            case EXT1, EXT2, EXT4 -> {
                long code = args.num;
                push(goOn(error(Reason.FORBIDDEN_OPCODE, at, op, "extension code " + code
                        + " refers to the copyreg extension registry, which ptsafe does not have"), op, at,
                        "extension " + code), at);
            }
            case NEXT_BUFFER, READONLY_BUFFER -> {
                Object poison = goOn(error(Reason.FORBIDDEN_OPCODE, at, op, "out-of-band buffers (protocol 5) are not "
                        + "supported: a checkpoint carries its data in the file"), op, at, "out-of-band buffer");
                if (op == Opcode.NEXT_BUFFER) {
                    push(poison, at);
                }
            }
            // --- persistent ids
            case PERSID -> {
                String id;
                try {
                    id = Texts.ascii(args.raw);
                } catch (IllegalArgumentException e) {
                    throw error(Reason.MALFORMED_PICKLE, at, op, "persistent id is not ASCII");
                }
                pushKept(persistent(new PyValue.Str(id), op, at), at);
            }
            case BINPERSID -> binPersId(op, at);
            case STOP -> throw new AssertionError("STOP is handled by the loop");
        }
    }

    /** Pushes the str ArgReader has just read and decoded (its {@code text}). */
    private void pushText(long at) throws PtsafeException {
        PyValue.Str str = new PyValue.Str(args.text);
        pushCharged(str, HeapCost.str(str, args.textBytes), at);
    }

    private void mark(Opcode op, long at) throws PtsafeException {
        if (stack.markCount() + 1 > options.maxNestingDepth()) {
            throw limit(at, op, "MARKs open at once", Limit.MAX_NESTING_DEPTH, stack.markCount() + 1L,
                    options.maxNestingDepth());
        }
        checkStack(at, op);
        stack.pushMark();
        markRegion();
    }

    private void tupleFromMark(Opcode op, long at) throws PtsafeException {
        long since = sinceMark();
        if (stack.markCount() == 0) {
            throw error(Reason.MALFORMED_PICKLE, at, op, op + " without a MARK");
        }
        pushTuple(tuple(stack.popMarkArray(), at), since, at);
    }

    private void tuple1(Opcode op, long at) throws PtsafeException {
        Object a = pop(op, at);
        pushTuple(tuple(new Object[] {a}, at), 0, at);
    }

    private void tuple2(Opcode op, long at) throws PtsafeException {
        Object b = pop(op, at);
        Object a = pop(op, at);
        pushTuple(tuple(new Object[] {a, b}, at), 0, at);
    }

    private void reduceOp(Opcode op, long at) throws PtsafeException {
        Object args = pop(op, at);
        Object callable = pop(op, at);
        push(consumed(args, call(callable, args, null, op, at)), at);
    }

    private void binPersId(Opcode op, long at) throws PtsafeException {
        Object pid = pop(op, at);
        pushKept(consumed(pid, persistent(pid, op, at)), at);
    }

    /**
     * Pushes the int of a BININT or BININT2 charged what {@link HeapCost#of} charges it, without its
     * type switch and bit counts (the most common opcodes of a state dict's data.pkl): nothing when
     * shared, 16 for the Int alone when BigInteger.valueOf shares its value (-16 to -1), else the
     * Int, its BigInteger and a one-word magnitude (an int needs no more).
     */
    private void pushInt(int v, long at) throws PtsafeException {
        if (v >= 0 && v < SMALL_INTS.length) {
            pushCharged(SMALL_INTS[v], 0, at);
        } else {
            pushCharged(PyValue.Int.of(v), v < 0 && v >= -16 ? 16 : 16 + 40 + HeapCost.align(16 + 4), at);
        }
    }

    /** Whether {@code v} is one of the shared small ints (it costs nothing more). */
    static boolean shared(PyValue.Int v) {
        long x = v.value().bitLength() < 9 ? v.value().longValue() : -1;
        return x >= 0 && x < SMALL_INTS.length && SMALL_INTS[(int) x] == v;
    }

    // --- globals and calls ---------------------------------------------------------------------------

    private Object resolve(String module, String name, Opcode op, long at, boolean collect) throws PtsafeException {
        // The GlobalUse kept for the result, and the module, name and resolved strings it holds.
        keep(HeapCost.GLOBAL_USE + 4L * (module.length() + name.length()), op, at);
        String mod = module;
        if (proto < 3 && mod.equals("__builtin__")) {
            mod = "builtins";
        } else if (proto < 3 && mod.equals("copy_reg")) {
            mod = "copyreg";
        }
        if (mod.equals("torch.tensor")) {
            mod = "torch._tensor";
        }
        String full = mod + "." + name;
        GlobalRef ref = refs.get(full);
        GlobalUse.Status status;
        if (ref != null) {
            status = ref.meaning() == InertMeaning.INSTANCE ? GlobalUse.Status.INERT : GlobalUse.Status.KNOWN;
        } else {
            var meaning = table.lookup(full);
            if (meaning.isPresent()) {
                status = GlobalUse.Status.KNOWN;
                ref = new GlobalRef(full, meaning.get());
            } else if (options.inertGlobals().contains(full)) {
                status = GlobalUse.Status.INERT;
                ref = new GlobalRef(full, InertMeaning.INSTANCE);
            } else {
                status = GlobalUse.Status.FORBIDDEN;
            }
            if (ref != null) {
                keep(HeapCost.GLOBAL_REF, op, at);
                refs.put(full, ref);
            }
        }
        GlobalUse use = new GlobalUse(module, name, full, at, op, status);
        globals.add(use);
        if (status == GlobalUse.Status.FORBIDDEN && collect) {
            forbidden.add(use);
        }
        listener.global(use);
        return ref != null ? ref : new Poison(full);
    }

    private Object call(Object callable, Object args, Object kwargs, Opcode op, long at) throws PtsafeException {
        if (callable instanceof Poison p) {
            return p;
        }
        if (args instanceof Poison p) {
            return p;
        }
        if (kwargs instanceof Poison p) {
            return p;
        }
        if (!(args instanceof TupleObj t)) {
            throw error(Reason.MALFORMED_PICKLE, at, op, op + " arguments must be a tuple, got " + Values.typeName(args));
        }
        if (!(callable instanceof GlobalRef g)) {
            return goOn(error(Reason.FORBIDDEN_CALL, at, op, op + " on a " + Values.typeName(callable)
                    + " is not allowed"), op, at, op + " on a " + Values.typeName(callable));
        }
        for (int i = 0, n = t.size(); i < n; i++) { // indexed: no iterator per call
            if (t.get(i) instanceof Poison p) {
                return p;
            }
        }
        try {
            if (op == Opcode.REDUCE) {
                return reduce(g, t, at);
            }
            Object r = g.meaning().instantiate(new Call(this, op, at, g.name(), t, (DictObj) kwargs));
            return Objects.requireNonNull(r, g.name());
        } catch (PtsafeException e) {
            return goOnAfterCall(e, op, at, op + " of " + g.name());
        }
    }

    /**
     * Loading refuses {@code refusal} at once. A scan reports it to the listener and goes on with a
     * poison value in place of what would have run, so that it names everything after it too.
     */
    private Poison goOn(PtsafeException refusal, Opcode op, long at, String origin) throws PtsafeException {
        if (!scanning) {
            throw refusal;
        }
        listener.refused(op, at, refusal);
        return new Poison(origin);
    }

    /** {@link #goOn} for a FORBIDDEN_CALL from a meaning; any other refusal stands. */
    private Poison goOnAfterCall(PtsafeException e, Opcode op, long at, String origin) throws PtsafeException {
        if (e.reason() != Reason.FORBIDDEN_CALL) {
            throw e;
        }
        return goOn(e, op, at, origin);
    }

    Object reduce(GlobalRef g, TupleObj args, long at) throws PtsafeException {
        return Objects.requireNonNull(g.meaning().call(new Call(this, Opcode.REDUCE, at, g.name(), args, null)), g.name());
    }

    private Object persistent(Object pid, Opcode op, long at) throws PtsafeException {
        if (pid instanceof Poison p) {
            return p;
        }
        if (loader == null) {
            throw error(Reason.INVALID_PERSISTENT_ID, at, op, "persistent ids are not allowed here");
        }
        return Objects.requireNonNull(loader.load(pid, new Call(this, op, at, null, TupleObj.EMPTY, null)));
    }

    // --- containers ----------------------------------------------------------------------------------

    /** A tuple of machine values, with its hashable form when every item is hashable. */
    TupleObj tuple(List<Object> items, long at) throws PtsafeException {
        // A copy the tuple owns; toArray of an immutable list (Call's callers) gives a fresh array too.
        return tuple(items.toArray(), at);
    }

    /** A tuple of {@code array}, a fresh array nobody else holds (TUPLE's, from the stack). */
    private TupleObj tuple(Object[] array, long at) throws PtsafeException {
        int size = array.length;
        if (size == 0) {
            return TupleObj.EMPTY;
        }
        checkItems(size, Opcode.TUPLE, at);
        boolean hashable = true;
        int height = 0;
        long nodes = 1;
        for (Object item : array) {
            if (item instanceof PyValue.Int || item instanceof PyValue.Str || item instanceof GlobalRef
                    || item instanceof PyValue.Bool || item instanceof PyValue.None) {
                // Most items of a checkpoint's tuples (sizes, strides, keys, globals, flags): height 0,
                // hashable, one node, as Values says of them, without its type switches.
                nodes = Math.min(nodes + 1, MAX_KEY_NODES + 1);
                continue;
            }
            if (item instanceof DictObj || item instanceof ListObj) {
                // A rebuild's hooks (an OrderedDict): height 1 and unhashable, as Values says of them.
                height = Math.max(height, 1);
                hashable = false;
                continue;
            }
            if (!(item instanceof PyValue) && !(item instanceof TupleObj) && !(item instanceof SetObj)
                    && !(item instanceof OpaqueObj) && !(item instanceof Poison)) {
                // A value of the table's meanings (a rebuild's storage): what Values' defaults say of
                // it (height 0, unhashable), without their type switches.
                hashable = false;
                continue;
            }
            if (item instanceof TupleObj t) {
                // A rebuild's sizes and strides: what Values' switches give for a tuple, read directly.
                height = Math.max(height, t.height());
                if (hashable && t.isHashable()) {
                    nodes = Math.min(nodes + t.keyNodes(), MAX_KEY_NODES + 1);
                } else {
                    hashable = false;
                }
                continue;
            }
            height = Math.max(height, Values.heightOf(item));
            if (hashable && Values.isHashable(item)) {
                nodes = Math.min(nodes + Values.keyNodes(item, MAX_KEY_NODES), MAX_KEY_NODES + 1);
            } else {
                hashable = false;
            }
        }
        height++;
        if (height > options.maxNestingDepth()) {
            throw limit(at, null, "a tuple nested " + height + " deep", Limit.MAX_NESTING_DEPTH, height, options.maxNestingDepth());
        }
        return new TupleObj(array, hashable, height, (int) nodes);
    }

    private void append(Object target, List<Object> items, Opcode op, long at) throws PtsafeException {
        escapes++;
        if (target instanceof Poison) {
            return;
        }
        if (!(target instanceof ListObj l)) {
            throw error(Reason.MALFORMED_PICKLE, at, op, op + " on a " + Values.typeName(target)
                    + " (only a list takes " + op + ")");
        }
        checkItems((long) l.items.size() + items.size(), op, at);
        charge(HeapCost.SLOT * items.size(), op, at);
        l.items.addAll(items);
    }

    private void setItems(Object target, List<Object> items, Opcode op, long at) throws PtsafeException {
        escapes++;
        if (target instanceof Poison) {
            return;
        }
        if (!(target instanceof DictObj d)) {
            throw error(Reason.MALFORMED_PICKLE, at, op, op + " on a " + Values.typeName(target)
                    + " (only a dict takes " + op + ")");
        }
        if (items.size() % 2 != 0) {
            throw error(Reason.MALFORMED_PICKLE, at, op, op + " with an odd number of items (" + items.size() + ")");
        }
        int pairs = items.size() / 2;
        int presized = 0;
        if (d.entries.isEmpty() && pairs > PRESIZE_FROM && pairs <= maxItems
                && budget.fits(HeapCost.FIRST_TABLE + HeapCost.MAP_ENTRY * pairs)) {
            // A state dict's entries come in one SETITEMS (or batches of 1,000): its table made once at
            // its final size, not grown 16 -> 2,048 by rehashing. Only when every entry's charge would
            // fit (so no refusal moves) and the pairs are within the item limit (checked per entry).
            d.entries = LinkedHashMap.newLinkedHashMap(pairs);
            presized = pairs;
        }
        for (int i = 0; i < items.size(); i += 2) {
            Key k = key(items.get(i), op, at);
            // One lookup, not containsKey and put: a new key is checked and charged right after it
            // went in, and a refusal then ends the whole decode (the dict is never seen again).
            int before = d.entries.size();
            d.entries.put(k, items.get(i + 1));
            if (d.entries.size() != before) {
                checkItems(before + 1L, op, at);
                charge(HeapCost.MAP_ENTRY + (before == 0 ? HeapCost.FIRST_TABLE : 0), op, at);
            }
        }
        if (d.entries.size() < presized) {
            // Repeated keys: the table is larger than growing it would have made it; the slots more are charged.
            keep(HeapCost.SLOT / 2 * (tableSlots(presized) - tableSlots(d.entries.size())), op, at);
        }
    }

    /** SETITEMS with more pairs than this into an empty dict makes its table at once (16 slots hold 12). */
    private static final int PRESIZE_FROM = 12;

    /**
     * The slots of the table a HashMap has after {@code n} distinct puts, as it grows (16, doubled
     * while n is over three quarters of it); presized for n, it has as many.
     */
    static long tableSlots(long n) {
        long slots = 16;
        while (n > slots / 4 * 3) {
            slots *= 2;
        }
        return slots;
    }

    private void addAll(SetObj s, List<Object> items, Opcode op, long at) throws PtsafeException {
        escapes++;
        for (Object item : items) {
            Key k = key(item, op, at);
            if (!s.items.contains(k)) {
                checkItems(s.items.size() + 1L, op, at);
                // The element in the set, and in the PySet copy a frozenset keeps once used as a key.
                charge(2 * (HeapCost.MAP_ENTRY + (s.items.isEmpty() ? HeapCost.FIRST_TABLE : 0)), op, at);
                s.add(k, Values.heightOf(item), Values.keyNodes(item, MAX_KEY_NODES));
            }
        }
    }

    /** The key of a hashable value, computed once per object (a memoised key is hashed once). */
    /** Strings up to this length are hashed each time they are a key; longer ones once (memo reuse). */
    private static final int UNCACHED_KEY_CHARS = 128;

    Key key(Object item, Opcode op, long at) throws PtsafeException {
        if (item instanceof PyValue.Str s && s.value().length() <= UNCACHED_KEY_CHARS) {
            // A short string hashes faster than a cache lookup, and most keys are used once.
            charge(HeapCost.KEY, op, at);
            return Key.of(s);
        }
        Key k = keys.get(item);
        if (k != null) {
            return k;
        }
        if (!Values.isHashable(item)) {
            throw error(Reason.MALFORMED_PICKLE, at, op, "unhashable " + Values.typeName(item)
                    + " as a dict key or set element");
        }
        int nodes = Values.keyNodes(item, MAX_KEY_NODES);
        if (nodes > MAX_KEY_NODES) {
            throw error(Reason.PICKLE_LIMIT, at, op, "a dict key or set element of more than " + MAX_KEY_NODES
                    + " nodes (ptsafe's fixed limit on keys)");
        }
        int height = Values.heightOf(item);
        if (height > options.maxNestingDepth()) {
            throw limit(at, op, "a key nested " + height + " deep", Limit.MAX_NESTING_DEPTH, height, options.maxNestingDepth());
        }
        // The Key, the identity map entry; a tuple's hashable form if it is made now (at most
        // MAX_KEY_NODES tuples, each a PyValue.Tuple and a list).
        long frozen = item instanceof TupleObj t && t.madeFrozen() == null ? HeapCost.FROZEN_NODE * nodes : 0;
        // Key's canonical form copies tuples and frozensets once more.
        long canon = item instanceof TupleObj || item instanceof SetObj ? HeapCost.FROZEN_NODE * nodes : 0;
        keep(HeapCost.KEY + HeapCost.IDENTITY_ENTRY + frozen + canon, op, at);
        working += HeapCost.IDENTITY_ENTRY;
        try {
            k = Key.of(Values.freeze(item));
        } catch (IllegalArgumentException e) {
            throw error(Reason.MALFORMED_PICKLE, at, op, e.getMessage());
        }
        keys.put(item, k);
        return k;
    }

    private void checkItems(long n, Opcode op, long at) throws PtsafeException {
        if (n > maxItems) {
            throw limit(at, op, "a container of " + n + " items", Limit.MAX_CONTAINER_ITEMS, n, options.maxContainerItems());
        }
    }

    // --- stack ---------------------------------------------------------------------------------------

    private void checkStack(long at, Opcode op) throws LimitExceededException {
        long n = (long) stack.size() + stack.markCount() + 1;
        if (n > maxStack) {
            throw limit(at, op, "stack of " + n + " values and MARKs", Limit.MAX_STACK_SIZE, n, options.maxStackSize());
        }
    }

    /** Pushes a value just created, charging it. */
    private void push(Object v, long at) throws PtsafeException {
        pushCharged(v, HeapCost.of(v, otherCost), at);
    }

    /** Pushes a value just created whose {@link HeapCost#of} the caller knows already. */
    private void pushCharged(Object v, long cost, long at) throws PtsafeException {
        assert cost == HeapCost.of(v, otherCost) : v;
        checkStack(at, null);
        charge(cost, current, at);
        add(v, at);
    }

    /** Pushes a value that exists already (GET, DUP): only a stack slot is new. */
    private void pushShared(Object v, long at) throws PtsafeException {
        checkStack(at, null);
        add(v, at);
    }

    /**
     * Pushes a value that costs nothing (a shared small int): {@link #pushCharged} without its charge
     * of 0, which can never refuse (every charge that put the budget over its limit was refused).
     */
    private void pushFree(Object v, long at) throws PtsafeException {
        assert HeapCost.of(v, otherCost) == 0 : v;
        checkStack(at, null);
        add(v, at);
    }

    private void add(Object v, long at) throws PtsafeException {
        if (stack.add(v)) {
            // The stack's array keeps its largest size: charge each slot the first time it is used
            // (charged once it is in; a refusal ends the run, which drops the stack).
            keep(HeapCost.SLOT, current, at);
            working += HeapCost.SLOT;
        }
    }

    /** Pushes a value just created that something else keeps too (a persistent id's storage). */
    private void pushKept(Object v, long at) throws PtsafeException {
        checkStack(at, null);
        keep(HeapCost.of(v, otherCost), current, at);
        add(v, at);
    }

    /** Pushes a tuple just made; {@code since} is what was charged for its items alone, -1 when unknown. */
    private void pushTuple(TupleObj t, long since, long at) throws PtsafeException {
        long cost = HeapCost.tuple(t);
        pushCharged(t, cost, at);
        if (t != TupleObj.EMPTY && since >= 0) {
            t.region(since + cost);
        }
    }

    // --- regions: what dies with a consumed tuple ---------------------------------------------------

    /** Remembers where the MARK just pushed starts its region. */
    private void markRegion() {
        int d = stack.markCount() - 1;
        if (d == markUsed.length) {
            markUsed = java.util.Arrays.copyOf(markUsed, 2 * d);
            markKept = java.util.Arrays.copyOf(markKept, 2 * d);
            markEscapes = java.util.Arrays.copyOf(markEscapes, 2 * d);
        }
        markUsed[d] = budget.used();
        markKept[d] = kept;
        markEscapes[d] = escapes;
    }

    /** What was charged since the last MARK for values nothing but the stack above it holds; -1 when unknown. */
    private long sinceMark() {
        int d = stack.markCount() - 1;
        if (d < 0 || markEscapes[d] != escapes) {
            return -1;
        }
        return Math.max(0, budget.used() - markUsed[d] - (kept - markKept[d]));
    }

    /** {@code v} may now be held twice: neither it nor any region it is in may be given back. */
    private void escape(Object v) {
        escapes++;
        if (v instanceof TupleObj t) {
            t.region(0);
        }
    }

    /**
     * A call or persistent id consumed {@code args} and made {@code result}: when the result keeps
     * nothing of them and nothing else holds the tuple, gives back what the tuple's region cost.
     */
    private Object consumed(Object args, Object result) {
        if (result instanceof TupleObj r && r != TupleObj.EMPTY) {
            // A tuple a meaning returns may be one of its arguments, held by them still.
            r.region(0);
        }
        if (args instanceof TupleObj t && t.region() > 0 && keepsNoArguments.test(result)) {
            budget.release(t.region());
            t.region(0);
        }
        return result;
    }

    /** {@link #charge}s what outlives the values that made it: no region gives it back. */
    private void keep(long bytes, Opcode op, long at) throws LimitExceededException {
        charge(bytes, op, at);
        kept += bytes;
    }

    /** Charges {@code bytes} to the file's budget; the one place the budget refuses. */
    private void charge(long bytes, Opcode op, long at) throws LimitExceededException {
        if (!budget.add(bytes)) {
            throw budget.exceeded(input.file(), input.place(at) + (op == null ? "" : ", " + op));
        }
    }

    /** Refuses before allocating {@code bytes} that would not fit (they are charged once allocated). */
    void room(long bytes, Opcode op, long at) throws LimitExceededException {
        if (!budget.fits(bytes)) {
            throw budget.exceeded(input.file(), input.place(at) + (op == null ? "" : ", " + op), bytes);
        }
    }

    private Object pop(Opcode op, long at) throws PtsafeException {
        if (stack.emptySinceMark()) {
            throw underflow(op, at);
        }
        return stack.removeLast();
    }

    private Object top(Opcode op, long at) throws PtsafeException {
        if (stack.emptySinceMark()) {
            throw underflow(op, at);
        }
        return stack.last();
    }

    private PtsafeException underflow(Opcode op, long at) {
        return error(Reason.MALFORMED_PICKLE, at, op, stack.markCount() > 0
                ? "stack underflow (nothing since the last MARK)" : "stack underflow");
    }

    private List<Object> popMark(Opcode op, long at) throws PtsafeException {
        if (stack.markCount() == 0) {
            throw error(Reason.MALFORMED_PICKLE, at, op, op + " without a MARK");
        }
        return stack.popMark();
    }

    // --- memo ----------------------------------------------------------------------------------------

    private void get(long index, Opcode op, long at) throws PtsafeException {
        Object v = memo.get(index);
        if (v == null) {
            throw error(Reason.MALFORMED_PICKLE, at, op, "memo index " + index + " was never set");
        }
        pushShared(v, at);
    }

    private void put(long index, Opcode op, long at) throws PtsafeException {
        if (index < 0) {
            throw error(Reason.MALFORMED_PICKLE, at, op, "negative memo index " + index);
        }
        if (index > maxMemo) {
            throw limit(at, op, "memo index " + index, Limit.MAX_MEMO_ENTRIES, index, options.maxMemoEntries());
        }
        Object v = top(op, at);
        if (index >= memo.capacity()) {
            growMemo(index, op, at);
        }
        boolean free = memo.isFree(index);
        if (free && memo.size() + 1L > maxMemo) {
            throw limit(at, op, "memo of " + (memo.size() + 1L) + " entries", Limit.MAX_MEMO_ENTRIES, memo.size() + 1L,
                    options.maxMemoEntries());
        }
        boolean kept = memo.keeps(index);
        if (kept) {
            // A GET may push it again: it outlives whatever consumes it now.
            escape(v);
        }
        memo.set(index, v, free, kept);
    }

    /** Grows the memo to hold {@code index} (at most maxMemoEntries + 1 slots), charged before it is allocated. */
    private void growMemo(long index, Opcode op, long at) throws PtsafeException {
        long cap = Math.min((long) options.maxMemoEntries() + 1, MAX_ARRAY);
        if (index >= cap) {
            throw limit(at, op, "memo index " + index, Limit.MAX_MEMO_ENTRIES, index, cap - 1);
        }
        long length = Math.min(Math.max(Math.max(index + 1, 2L * memo.capacity()), 16), cap);
        long bytes = memo.heapBytes((int) length) - memo.heapBytes(memo.capacity());
        keep(bytes, op, at);
        working += bytes;
        memo.grow((int) length);
    }

    private long decimalIndex(Opcode op, long at) throws PtsafeException {
        BigInteger v = decimal(args.text, op, at);
        if (v.bitLength() > 62) {
            throw error(Reason.MALFORMED_PICKLE, at, op, "memo index " + v + " out of range");
        }
        return v.longValue();
    }

    // --- text arguments ----------------------------------------------------------------------------

    private BigInteger decimal(String s, Opcode op, long at) throws PtsafeException {
        try {
            return Texts.decimal(s);
        } catch (IllegalArgumentException e) {
            throw textError(e, op, at);
        }
    }

    private PtsafeException textError(IllegalArgumentException e, Opcode op, long at) {
        return error(e instanceof Texts.AmbiguousText ? Reason.AMBIGUOUS_PICKLE_TEXT : Reason.MALFORMED_PICKLE, at, op,
                e.getMessage());
    }

    private byte[] unescape(byte[] line, Opcode op, long at) throws PtsafeException {
        try {
            return Texts.quotedString(line);
        } catch (IllegalArgumentException e) {
            throw error(Reason.MALFORMED_PICKLE, at, op, e.getMessage());
        }
    }

    // --- errors --------------------------------------------------------------------------------------

    PtsafeException error(Reason reason, long at, Opcode op, String message) {
        return new PtsafeException(reason, input.file(), input.place(at) + (op == null ? "" : ", " + op) + ": " + message);
    }

    LimitExceededException limit(long at, Opcode op, String what, Limit setting, long value, long limit) {
        return setting.exceeded(Reason.PICKLE_LIMIT, input.file(), input.place(at)
                + (op == null ? "" : ", " + op) + ": " + what, value, limit);
    }

    private ForbiddenGlobalsException forbiddenGlobals(PtsafeException after) {
        StringBuilder sb = new StringBuilder();
        sb.append(input.entry() == null ? "the pickle" : input.entry()).append(" names ").append(forbidden.size())
                .append(forbidden.size() == 1 ? " global" : " globals").append(" outside the table of meanings: ");
        for (int i = 0; i < forbidden.size() && i < MAX_NAMES_IN_MESSAGE; i++) {
            GlobalUse u = forbidden.get(i);
            sb.append(i == 0 ? "" : ", ").append(u.resolved()).append(" (byte ").append(u.offset()).append(')');
        }
        if (forbidden.size() > MAX_NAMES_IN_MESSAGE) {
            sb.append(" and ").append(forbidden.size() - MAX_NAMES_IN_MESSAGE).append(" more");
        }
        sb.append(after == null ? "; nothing was loaded" : "; decoding then stopped: " + after.getMessage());
        return new ForbiddenGlobalsException(input.file(), sb.toString(), forbidden, after);
    }
}
