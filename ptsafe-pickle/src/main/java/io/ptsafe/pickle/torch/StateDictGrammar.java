package io.ptsafe.pickle.torch;

import io.ptsafe.DType;
import io.ptsafe.LoadOptions;
import io.ptsafe.pickle.machine.Meaning;
import io.ptsafe.pickle.machine.Texts;
import io.ptsafe.spi.SeededHash;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The bytes of a state dict as torch.save writes it at protocol 2 ({@code torch/serialization.py}
 * {@code _save}: a {@code pickle.Pickler} of {@code DEFAULT_PROTOCOL} 2 whose {@code persistent_id}
 * names each storage), read against that exact grammar by {@link StateDictLane}:
 *
 * <pre>
 * PROTO 2
 * root     := GLOBAL 'collections OrderedDict' [PUT] EMPTY_TUPLE REDUCE [PUT] | EMPTY_DICT [PUT]
 * body     := ( MARK (str [PUT] tensor)* SETITEMS | str [PUT] tensor SETITEM )*
 *             [ EMPTY_DICT [PUT] attrs BUILD ]            (an OrderedDict's _metadata)
 *             STOP                                         (the last byte of a zip's data.pkl)
 * tensor   := rebuild [PUT] MARK pid BINPERSID int ints [PUT] ints [PUT] bool hooks TUPLE [PUT] REDUCE [PUT]
 * rebuild  := GLOBAL 'torch._utils _rebuild_tensor_v2' | GET of it
 * pid      := MARK str='storage' [PUT] storage [PUT] str=key [PUT] str=location [PUT] int TUPLE [PUT]
 * storage  := GLOBAL 'torch &lt;X&gt;Storage' (a typed storage class) | GET of one
 * hooks    := ordered [PUT] EMPTY_TUPLE REDUCE [PUT] | GET of such an empty OrderedDict
 * ints     := EMPTY_TUPLE | int{1,3} TUPLE1..3 | MARK int* TUPLE | GET of such a tuple
 * attrs    := ( str [PUT] meta SETITEM | MARK (str [PUT] meta)* SETITEMS )*
 * meta     := ordered [PUT] EMPTY_TUPLE REDUCE [PUT] items(dict) | scalar
 * dict     := EMPTY_DICT [PUT] items(scalar)
 * str      := BINUNICODE | GET of a str;  int := BININT1 | BININT2 | BININT (not negative)
 * </pre>
 *
 * <p>A legacy stream's object pickle is the same but for a sixth item of each persistent id, its
 * view metadata, which must be None, and for the bytes after STOP (the next pickle of the stream).
 *
 * <p>Anything else, or any value the general machine would refuse or that comes near a limit, makes
 * {@link #parse} return null: the caller then decodes the same bytes with the general machine. The
 * grammar only ever accepts pickles whose meaning is a dict of str keys to plain tensors: each rule
 * above is what the machine and {@link TensorMeanings#rebuildTensorV2} accept for that opcode
 * sequence, so nothing here decides a refusal.
 */
final class StateDictGrammar {
    /** Pickles longer than this are left to the machine (the lane copies the pickle to the heap). */
    static final int MAX_BYTES = 64 << 20;

    /**
     * A bound on what the general path charges the decode budget for one tensor entry, without the
     * strings and dimensions (counted apart): its values in the machine (the key, the persistent id's
     * tuple and StorageRef, ints above 255, the tuples, the hooks dict, the arguments tuple, the
     * TensorNode, the dict entry), in the tree converter and in the tensor tree (the Tensor and its
     * storage), with nothing given back. The machine's peak is about 580 bytes a tensor for these
     * files (BENCHMARKS.md, "maxDecodedBytes charge per tensor"); the differential tests check that
     * the bound is above the general path's peak for every fixture the lane takes.
     */
    static final long ENTRY_BOUND = 2048;
    /** Per dimension of a tensor (its size and stride ints, tuple slots and the copies of both). */
    static final long DIMENSION_BOUND = 256;
    /** Per GLOBAL opcode (its GlobalUse and GlobalRef). */
    static final long GLOBAL_BOUND = 512;
    /** Per item of the _metadata tail, and per dict there. */
    static final long META_BOUND = 512;

    // Protocol 2 opcodes (CPython Lib/pickletools.py)
    private static final byte MARK = '(';
    private static final byte STOP = '.';
    private static final byte BININT = 'J';
    private static final byte BININT1 = 'K';
    private static final byte BININT2 = 'M';
    private static final byte NONE = 'N';
    private static final byte BINPERSID = 'Q';
    private static final byte REDUCE = 'R';
    private static final byte BINUNICODE = 'X';
    private static final byte BUILD = 'b';
    private static final byte GLOBAL = 'c';
    private static final byte BINGET = 'h';
    private static final byte LONG_BINGET = 'j';
    private static final byte BINPUT = 'q';
    private static final byte LONG_BINPUT = 'r';
    private static final byte SETITEM = 's';
    private static final byte TUPLE = 't';
    private static final byte SETITEMS = 'u';
    private static final byte EMPTY_DICT = '}';
    private static final byte EMPTY_TUPLE = ')';
    private static final byte PROTO = (byte) 0x80;
    private static final byte TUPLE1 = (byte) 0x85;
    private static final byte TUPLE2 = (byte) 0x86;
    private static final byte TUPLE3 = (byte) 0x87;
    private static final byte NEWTRUE = (byte) 0x88;
    private static final byte NEWFALSE = (byte) 0x89;

    private static final byte[] ORDERED_DICT = "collections\nOrderedDict\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REBUILD_V2 = "torch._utils\n_rebuild_tensor_v2\n".getBytes(StandardCharsets.US_ASCII);

    /** Memo values the grammar reads back with GET; any other put is {@link #OTHER}. */
    private static final Object REBUILD = new Object();
    private static final Object ORDERED_DICT_CLASS = new Object();
    /** An empty OrderedDict made as a tensor's backward hooks. */
    private static final Object HOOKS = new Object();
    private static final Object OTHER = new Object();

    /** The lane declines: the machine reads the pickle. Thrown without a trace, caught in {@link #parse}. */
    private static final class Decline extends RuntimeException {
        Decline() {
            super(null, null, false, false);
        }
    }

    private static final Decline DECLINE = new Decline();

    /**
     * What the grammar read: the entries in order, the storages in the order first named, the bound
     * on what the general path would have charged the decode budget, and the pickle's length (to
     * just past STOP).
     */
    record Parsed(boolean ordered, int size, String[] names, int[] storageOf, long[] offsets, long[][] shapes,
            long[][] strides, StorageRef[] named, int namedCount, long bound, int length) {
    }

    /** The pickle's bytes: {@link #b} holds a prefix of them, copied further as the reading goes on. */
    private final MemorySegment source;
    /** How many bytes of {@link #source} may be read: the pickle, or the window a legacy pickle lies in. */
    private final int end;
    private byte[] b;
    private final LoadOptions options;
    /** A legacy stream's object pickle: persistent ids of six items, and bytes after STOP (the next pickle). */
    private final boolean legacy;
    private int pos;
    private long opcodes;
    private Object[] memo = new Object[64];
    private int puts;
    private long bound = 4096;
    /** The storages in the order first named, and their keys (indexed by {@link #keys}). */
    private StorageRef[] named = new StorageRef[16];
    private String[] storageKeys = new String[16];
    /** The storage keys' table, made only once the keys leave torch's zip sequence "0", "1", ... (see {@link #storageIndex}). */
    private Positions keys;
    /** Whether every storage key so far is the decimal of its position (torch's zip keys, in the order first named). */
    private boolean sequential = true;
    private int namedCount;
    private String[] names;
    private int[] storageOf;
    private long[] offsets;
    private long[][] shapes;
    private long[][] strides;
    private int size;
    private final Positions nameTable;

    private StateDictGrammar(MemorySegment source, int end, LoadOptions options, boolean legacy) {
        this.source = source;
        this.end = end;
        this.options = options;
        this.legacy = legacy;
        // A zip's data.pkl is all pickle; a legacy one is followed by its storages: a prefix first.
        this.b = source.asSlice(0, legacy ? Math.min(end, FIRST_COPY) : end).toArray(ValueLayout.JAVA_BYTE);
        // torch writes about 90 bytes a tensor (a 30-character name): the tables and arrays are sized
        // once for the bytes copied (a legacy stream's storages after its pickle are not counted).
        int expected = Math.clamp(b.length / 96, 16, 1 << 16);
        this.nameTable = new Positions(expected);
        this.names = new String[expected];
        this.storageOf = new int[expected];
        this.offsets = new long[expected];
        this.shapes = new long[expected][];
        this.strides = new long[expected][];
    }

    /** The first prefix of a legacy stream copied: a 2,000-tensor state dict's object pickle. */
    private static final int FIRST_COPY = 256 << 10;

    /** What is copied ahead of an entry: more than any entry torch writes (a longer one declines). */
    private static final int AHEAD = 64 << 10;

    /**
     * Copies more of the pickle when less than {@link #AHEAD} bytes are left in {@link #b}: a legacy
     * pickle is followed by the storages (gigabytes), and only the pickle's bytes are wanted.
     */
    private void ahead() {
        if (end - b.length > 0 && b.length - pos < AHEAD) {
            int n = (int) Math.min(end, Math.max(4L * b.length, (long) pos + AHEAD));
            byte[] more = Arrays.copyOf(b, n);
            MemorySegment.copy(source, ValueLayout.JAVA_BYTE, b.length, more, b.length, n - b.length);
            b = more;
        }
    }

    /**
     * The state dict {@code pickle} holds, or null when it is anything else (the machine decides then).
     *
     * @param pickle the whole pickle (a zip's data.pkl), or for a legacy stream ({@code legacy}) the
     *               bytes from its object pickle on (it ends at its STOP)
     */
    static Parsed parse(MemorySegment pickle, LoadOptions options, boolean legacy) {
        // The machine's limits that a state dict of this grammar can meet, each taken with room to spare:
        // below them the machine cannot refuse for a limit; near them it decides.
        long size = Math.min(pickle.byteSize(), options.maxPickleBytes());
        if (!legacy && pickle.byteSize() != size || size > MAX_BYTES && !legacy || options.maxNestingDepth() < 8
                // GLOBAL lines of up to 64 bytes; tuples of up to 6 items (sizes and strides: checked each)
                || options.maxPickleStringBytes() < 64 || options.maxContainerItems() < 64 || options.maxIntBytes() < 8
                || options.maxRank() < 1) {
            return null;
        }
        StateDictGrammar g = new StateDictGrammar(pickle, (int) Math.min(size, MAX_BYTES), options, legacy);
        try {
            return g.read();
        } catch (Decline | IndexOutOfBoundsException e) {
            // Running off the bytes: a truncated pickle (the machine says so), or an entry longer than AHEAD.
            return null;
        }
    }

    private Parsed read() {
        expect(PROTO);
        if (u1() != 2) {
            throw DECLINE;
        }
        boolean ordered;
        byte op = op();
        if (op == GLOBAL) {
            global(ORDERED_DICT);
            put(ORDERED_DICT_CLASS);
            expect(EMPTY_TUPLE);
            expect(REDUCE);
            ordered = true;
        } else if (op == EMPTY_DICT) {
            ordered = false;
        } else {
            throw DECLINE;
        }
        put(OTHER);
        while (true) {
            op = op();
            if (op == MARK) {
                int batch = 0;
                while (b[pos] != SETITEMS) {
                    entry();
                    // Every pair stays on the stack until SETITEMS, which takes them as one container.
                    if (++batch > (options.maxStackSize() - 64) / 2 || 2L * batch > options.maxContainerItems()) {
                        throw DECLINE;
                    }
                }
                op();
            } else if (op == BINUNICODE || op == BINGET || op == LONG_BINGET) {
                pos--;
                opcodes--;
                entry();
                expect(SETITEM);
            } else if (op == EMPTY_DICT && ordered) {
                put(OTHER);
                attributes();
                expect(BUILD);
                expect(STOP);
                break;
            } else if (op == STOP) {
                break;
            } else {
                throw DECLINE;
            }
        }
        if (!legacy && pos != end || opcodes + 16 > options.maxPickleOpcodes() || size > options.maxTensors()
                || size > options.maxContainerItems() || puts >= options.maxMemoEntries()
                || bound > options.maxDecodedBytes()) {
            throw DECLINE;
        }
        return new Parsed(ordered, size, names, storageOf, offsets, shapes, strides, named, namedCount, bound, pos);
    }

    /** One key and its tensor. */
    private void entry() {
        ahead();
        String name = str();
        put(name);
        if (name.length() > options.maxStringLength()) {
            throw DECLINE;
        }
        addName(name);
        byte op = op();
        if (op == GLOBAL) {
            global(REBUILD_V2);
            put(REBUILD);
        } else if (get(op) != REBUILD) {
            throw DECLINE;
        }
        expect(MARK);
        int storage = persistentId();
        StorageRef ref = named[storage];
        long offset = integer();
        long[] shape = ints();
        long[] stride = ints();
        op = op();
        boolean requiresGrad = op == NEWTRUE;
        if (!requiresGrad && op != NEWFALSE) {
            throw DECLINE;
        }
        hooks();
        expect(TUPLE);
        put(OTHER);
        expect(REDUCE);
        put(OTHER);
        DType dtype = ref.dtype();
        // What TensorMeanings.tensor and RebuildChecks refuse, declined here for the machine to refuse.
        if (shape.length != stride.length || shape.length > options.maxRank()
                || requiresGrad && dtype.kind() != DType.Kind.FLOAT && dtype.kind() != DType.Kind.COMPLEX
                || !inside(ref, dtype, offset, shape, stride)) {
            throw DECLINE;
        }
        bound += ENTRY_BOUND + DIMENSION_BOUND * shape.length + 4L * name.length() + 4L * ref.key().length()
                + 4L * ref.location().length();
        int i = size++;
        if (i == names.length) {
            int n = 2 * i;
            names = Arrays.copyOf(names, n);
            storageOf = Arrays.copyOf(storageOf, n);
            offsets = Arrays.copyOf(offsets, n);
            shapes = Arrays.copyOf(shapes, n);
            strides = Arrays.copyOf(strides, n);
        }
        names[i] = name;
        storageOf[i] = storage;
        offsets[i] = offset;
        shapes[i] = shape;
        strides[i] = stride;
    }

    /** {@link RebuildChecks#view}'s rule, as a test: the view lies within the storage's bytes. */
    private static boolean inside(StorageRef s, DType dtype, long offset, long[] shape, long[] stride) {
        long last = 0;
        boolean empty = false;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || stride[i] < 0) {
                return false;
            }
            empty |= shape[i] == 0;
        }
        if (empty) {
            return true;
        }
        try {
            for (int i = 0; i < shape.length; i++) {
                last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
            }
            long bytes = Math.multiplyExact(Math.addExact(Math.addExact(offset, last), 1), (long) dtype.byteSize());
            long storageBytes = s.byteSize();
            return storageBytes >= 0 && bytes <= storageBytes;
        } catch (ArithmeticException e) {
            return false;
        }
    }

    /**
     * Records a name, declining a name seen before (a dict key set twice keeps its first place and its
     * last value: the machine's) and more than 32 names of one hash code (the tree converter refuses
     * those, {@code TreeConverter.MAX_COLLISIONS}).
     */
    private void addName(String name) {
        if (nameTable.indexOf(name, names) >= 0) {
            throw DECLINE;
        }
    }

    /**
     * Positions of distinct strings in an array, in an open-addressed table spread by
     * {@link SeededHash}. Equal hash codes share a cell, so the strings of one code are all met probing
     * for it: more than 32 of one code decline (the machine's tables bound them, and refuse them in a
     * dict's keys).
     */
    private static final class Positions {
        /** Each cell: the string's hash code in the high half, its position plus one in the low (0: empty). */
        private long[] cells;
        private int count;

        /** @param expected how many strings are likely (the table is sized for them once) */
        Positions(int expected) {
            cells = new long[Integer.highestOneBit(Math.max(32, 2 * expected - 1)) << 1];
        }

        /**
         * The position of {@code s} in {@code strings}, or -1 after recording it at the next position
         * (the caller puts it there: {@code strings} grows with the caller's arrays).
         */
        int indexOf(String s, String[] strings) {
            if (2 * (count + 1) > cells.length) {
                grow();
            }
            int h = s.hashCode();
            int mask = cells.length - 1;
            int slot = SeededHash.spread(h) & mask;
            int same = 0;
            long cell;
            while ((cell = cells[slot]) != 0) {
                if ((int) (cell >>> 32) == h) {
                    int at = (int) cell - 1;
                    if (strings[at].equals(s)) {
                        return at;
                    }
                    if (++same >= 32) {
                        throw DECLINE;
                    }
                }
                slot = (slot + 1) & mask;
            }
            cells[slot] = (long) h << 32 | ++count;
            return -1;
        }

        private void grow() {
            long[] c = new long[2 * cells.length];
            int mask = c.length - 1;
            for (long cell : cells) {
                if (cell != 0) {
                    int slot = SeededHash.spread((int) (cell >>> 32)) & mask;
                    while (c[slot] != 0) {
                        slot = (slot + 1) & mask;
                    }
                    c[slot] = cell;
                }
            }
            cells = c;
        }
    }

    /**
     * ('storage', class, key, location, numel) BINPERSID, after its MARK: StorageIds' rules.
     *
     * @return the storage's position in {@link #named}
     */
    private int persistentId() {
        expect(MARK);
        String storage = str();
        if (!"storage".equals(storage)) {
            throw DECLINE;
        }
        put(storage);
        byte op = op();
        StorageType type;
        if (op == GLOBAL) {
            type = storageClass();
            put(type);
        } else if (get(op) instanceof StorageType t) {
            type = t;
        } else {
            throw DECLINE;
        }
        String key = str();
        put(key);
        String location = str();
        put(location);
        long numel = integer();
        if (legacy) {
            // view_metadata: None (a view of another storage, as torch before 1.0 wrote, is the machine's)
            expect(NONE);
        }
        expect(TUPLE);
        put(OTHER);
        expect(BINPERSID);
        if (!StorageIds.isRecordName(key)) {
            throw DECLINE;
        }
        int seen = storageIndex(key);
        if (seen >= 0) {
            // A storage named again (tied weights): the same one, or the machine refuses the conflict.
            StorageRef ref = named[seen];
            if (!ref.storageClass().equals(type.global()) || ref.numel() != numel) {
                throw DECLINE;
            }
            return seen;
        }
        if (namedCount == named.length) {
            named = Arrays.copyOf(named, 2 * namedCount);
            storageKeys = Arrays.copyOf(storageKeys, 2 * namedCount);
        }
        named[namedCount] = new StorageRef(key, type.global(), type.dtype(), location, numel, null);
        storageKeys[namedCount] = key;
        return namedCount++;
    }

    /**
     * The position of the storage named {@code key}, or -1 when it is new (then it takes the next).
     * torch's zip writer names storages "0", "1", ... in the order first named
     * ({@code torch/serialization.py} {@code persistent_id}: {@code str(len(id_map))}): while the keys
     * keep to that, a key's position is its number, found without hashing. The first key that does
     * not (a legacy stream's keys are addresses) puts every key so far in a table.
     */
    private int storageIndex(String key) {
        if (sequential) {
            long v = decimal(key);
            if (v >= 0 && v < namedCount) {
                return (int) v;
            }
            if (v == namedCount) {
                return -1;
            }
            sequential = false;
            keys = new Positions(Math.max(16, names.length));
            for (int i = 0; i < namedCount; i++) {
                keys.indexOf(storageKeys[i], storageKeys);
            }
        }
        return keys.indexOf(key, storageKeys);
    }

    /** The value of {@code s} when it is a canonical decimal of at most 9 digits ("0", "17"; not "017"), else -1. */
    private static long decimal(String s) {
        int n = s.length();
        if (n == 0 || n > 9 || n > 1 && s.charAt(0) == '0') {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = 10 * v + (c - '0');
        }
        return v;
    }

    /** A typed storage class of the table ({@code torch.FloatStorage} ...) whose tensors are plain. */
    private StorageType storageClass() {
        int start = pos;
        String module = line();
        String name = line();
        if (!module.equals("torch") || pos - start > 64) {
            throw DECLINE;
        }
        bound += GLOBAL_BOUND;
        Meaning m = TorchGlobals.table(options).lookup("torch." + name).orElse(null);
        if (!(m instanceof StorageType t) || t.dtype() == null || t.untyped() || t.dtype().isSubByte()
                || t.dtype().kind() == DType.Kind.QUANTIZED) {
            throw DECLINE;
        }
        return t;
    }

    /** An empty OrderedDict: a tensor's backward hooks. */
    private void hooks() {
        byte op = op();
        Object v = op == BINGET || op == LONG_BINGET ? get(op) : null;
        if (v == HOOKS) {
            return;
        }
        orderedDictClass(op, v);
        expect(EMPTY_TUPLE);
        expect(REDUCE);
        put(HOOKS);
    }

    /** The class {@code collections.OrderedDict}: its GLOBAL (op just read), or a GET of it (v). */
    private void orderedDictClass(byte op, Object v) {
        if (op == GLOBAL) {
            global(ORDERED_DICT);
            put(ORDERED_DICT_CLASS);
        } else if (v == ORDERED_DICT_CLASS) {
            put(ORDERED_DICT_CLASS);
        } else {
            throw DECLINE;
        }
    }

    /**
     * The state BUILD gives the root OrderedDict: its attributes, torch's {@code _metadata} (an
     * OrderedDict of module name to {@code {'version': n}}). The machine keeps them aside and they are
     * not part of the tree ({@code DictObj.attributes}): read, checked, dropped.
     */
    private void attributes() {
        items(1);
    }

    /** SETITEM and SETITEMS batches into the dict on top, of values of {@code depth} (1: attributes, 2: metadata, 3: scalars). */
    private void items(int depth) {
        long count = 0;
        while (true) {
            byte op = b[pos];
            if (op == MARK) {
                op();
                int batch = 0;
                while (b[pos] != SETITEMS) {
                    item(depth);
                    if (++batch > (options.maxStackSize() - 64) / 2 || 2L * batch > options.maxContainerItems()) {
                        throw DECLINE;
                    }
                    count++;
                }
                op();
            } else if (op == BINUNICODE || op == BINGET || op == LONG_BINGET) {
                // A str after a SETITEM is a key of this dict, or of the dict below it once this one is
                // set there: the value that follows tells (see startsValue). Read again by item().
                int at = pos;
                long ops = opcodes;
                int p = puts;
                put(str());
                boolean mine = startsValue(depth);
                pos = at;
                opcodes = ops;
                puts = p;
                if (!mine) {
                    break;
                }
                item(depth);
                expect(SETITEM);
                count++;
            } else {
                break;
            }
            if (count > options.maxContainerItems()) {
                throw DECLINE;
            }
        }
    }

    private void item(int depth) {
        ahead();
        String key = str();
        put(key);
        if (key.length() > options.maxStringLength()) {
            throw DECLINE;
        }
        bound += META_BOUND + 4L * key.length();
        if (depth == 3) {
            scalar();
            return;
        }
        byte op = op();
        if (depth == 1) {
            Object v = op == GLOBAL ? null : get(op);
            orderedDictClass(op, v);
            expect(EMPTY_TUPLE);
            expect(REDUCE);
            put(OTHER);
            items(2);
        } else if (op == EMPTY_DICT) {
            put(OTHER);
            items(3);
        } else {
            throw DECLINE;
        }
    }

    /**
     * Whether the next opcode starts a value of a dict at {@code depth}: an OrderedDict at 1 (its
     * class), a dict at 2, an inert scalar at 3. Only a dict at the same depth takes such a value.
     */
    private boolean startsValue(int depth) {
        byte op = b[pos];
        Object got = op == BINGET ? memoAt(b[pos + 1] & 0xff)
                : op == LONG_BINGET ? memoAt((b[pos + 1] & 0xffL) | (b[pos + 2] & 0xffL) << 8
                        | (b[pos + 3] & 0xffL) << 16 | (b[pos + 4] & 0xffL) << 24) : null;
        return switch (depth) {
            case 1 -> op == GLOBAL || got == ORDERED_DICT_CLASS;
            case 2 -> op == EMPTY_DICT;
            default -> op == BININT || op == BININT1 || op == BININT2 || op == NONE || op == NEWTRUE
                    || op == NEWFALSE || op == BINUNICODE || got instanceof String;
        };
    }

    private Object memoAt(long i) {
        return i < memo.length ? memo[(int) i] : null;
    }

    /** An inert value of a metadata dict: an int, None, a bool or a str. */
    private void scalar() {
        byte op = b[pos];
        if (op == BININT || op == BININT1 || op == BININT2) {
            op();
            pos += op == BININT ? 4 : op == BININT2 ? 2 : 1;
        } else if (op == NONE || op == NEWTRUE || op == NEWFALSE) {
            op();
        } else {
            put(str());
        }
    }

    /** A tuple of ints (sizes, strides): EMPTY_TUPLE, TUPLE1-3, MARK ... TUPLE, or a GET of one, then PUT. */
    private long[] ints() {
        byte op = op();
        long[] v;
        if (op == EMPTY_TUPLE) {
            return new long[0]; // never memoized: the empty tuple is a singleton
        } else if (op == MARK) {
            long[] items = new long[4];
            int n = 0;
            while (b[pos] != TUPLE) {
                // The machine counts the tuple's items, the tensor its dimensions.
                if (n >= options.maxRank() || n >= options.maxContainerItems()) {
                    throw DECLINE;
                }
                if (n == items.length) {
                    items = Arrays.copyOf(items, 2 * n);
                }
                items[n++] = integer();
            }
            op();
            v = Arrays.copyOf(items, n);
        } else if (op == BINGET || op == LONG_BINGET) {
            if (!(get(op) instanceof long[] memoized)) {
                throw DECLINE;
            }
            // The machine's tuple is shared; the tensor keeps copies, as TensorNode's arrays are the builder's.
            return memoized;
        } else {
            pos--;
            opcodes--;
            long a = integer();
            byte next = b[pos];
            if (next == TUPLE1) {
                op();
                v = new long[] {a};
            } else {
                long c = integer();
                next = b[pos];
                if (next == TUPLE2) {
                    op();
                    v = new long[] {a, c};
                } else {
                    long d = integer();
                    expect(TUPLE3);
                    v = new long[] {a, c, d};
                }
            }
        }
        put(v);
        return v;
    }

    /** A non-negative BININT1, BININT2 or BININT. */
    private long integer() {
        byte op = op();
        if (op == BININT1) {
            return u1();
        }
        if (op == BININT2) {
            int v = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8;
            pos += 2;
            return v;
        }
        if (op == BININT) {
            int v = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8 | (b[pos + 2] & 0xff) << 16 | b[pos + 3] << 24;
            pos += 4;
            if (v < 0) {
                throw DECLINE;
            }
            return v;
        }
        throw DECLINE;
    }

    /** A str: BINUNICODE (strict UTF-8, as the machine decodes it) or a GET of one. */
    private String str() {
        byte op = op();
        if (op == BINUNICODE) {
            long n = (b[pos] & 0xffL) | (b[pos + 1] & 0xffL) << 8 | (b[pos + 2] & 0xffL) << 16
                    | (b[pos + 3] & 0xffL) << 24;
            pos += 4;
            if (n > end - pos || n > options.maxPickleStringBytes()) {
                throw DECLINE;
            }
            int len = (int) n;
            int from = pos;
            pos += len;
            for (int i = from; i < pos; i++) {
                if (b[i] < 0) {
                    try {
                        return Texts.utf8(Arrays.copyOfRange(b, from, pos));
                    } catch (IllegalArgumentException e) {
                        throw DECLINE;
                    }
                }
            }
            return new String(b, from, len, StandardCharsets.ISO_8859_1);
        }
        if (get(op) instanceof String s) {
            return s;
        }
        throw DECLINE;
    }

    /** A GLOBAL's two lines, after its opcode, equal to {@code expected}. */
    private void global(byte[] expected) {
        if (!Arrays.equals(b, pos, pos + expected.length, expected, 0, expected.length)) {
            throw DECLINE;
        }
        pos += expected.length;
        bound += GLOBAL_BOUND;
    }

    /** One line of a GLOBAL (ASCII; the machine decodes other bytes as UTF-8, left to it). */
    private String line() {
        int start = pos;
        while (b[pos] != '\n') {
            if (b[pos] <= ' ' || pos - start > 64) {
                throw DECLINE;
            }
            pos++;
        }
        return new String(b, start, pos++ - start, StandardCharsets.ISO_8859_1);
    }

    /** The value a BINGET or LONG_BINGET (op just read) names; anything else declines. */
    private Object get(byte op) {
        long i;
        if (op == BINGET) {
            i = u1();
        } else if (op == LONG_BINGET) {
            i = u4();
        } else {
            throw DECLINE;
        }
        Object v = i < memo.length ? memo[(int) i] : null;
        if (v == null || v == OTHER) {
            throw DECLINE;
        }
        return v;
    }

    /** An optional BINPUT or LONG_BINPUT of {@code v}. */
    private void put(Object v) {
        byte op = b[pos];
        long i;
        if (op == BINPUT) {
            op();
            i = u1();
        } else if (op == LONG_BINPUT) {
            op();
            i = u4();
        } else {
            return;
        }
        // torch's pickler numbers its puts 0, 1, 2, ...: a sparse memo is left to the machine.
        if (i > puts + 1024L || i >= options.maxMemoEntries()) {
            throw DECLINE;
        }
        puts++;
        if (i >= memo.length) {
            memo = Arrays.copyOf(memo, Math.max(2 * memo.length, (int) i + 1));
        }
        memo[(int) i] = v;
    }

    private void expect(byte op) {
        if (op() != op) {
            throw DECLINE;
        }
    }

    private byte op() {
        opcodes++;
        return b[pos++];
    }

    private int u1() {
        return b[pos++] & 0xff;
    }

    private long u4() {
        long v = (b[pos] & 0xffL) | (b[pos + 1] & 0xffL) << 8 | (b[pos + 2] & 0xffL) << 16 | (b[pos + 3] & 0xffL) << 24;
        pos += 4;
        return v;
    }

}
