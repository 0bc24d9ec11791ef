package io.ptsafe.pickle.torch;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The data.pkl torch 1.13's {@code torch.save} writes for a state dict, opcode for opcode and with
 * its pickler's memo numbering (protocol 2: every new object BINPUT or LONG_BINPUT, globals and
 * interned strings fetched back with BINGET or LONG_BINGET, SETITEMS in batches of 1,000 and a
 * lone last item with SETITEM, the _metadata BUILD tail after the items), for state dicts too large
 * to commit as files. {@code StateDictLaneGeneratedTest} checks it against files torch wrote.
 */
final class TorchSaveWriter {
    /**
     * One entry.
     *
     * @param key          the dict key
     * @param storageClass {@code FloatStorage}, {@code LongStorage} ...
     * @param storageKey   the storage's key (its record name); a key seen before refers to the same storage
     * @param numel        the storage's element count
     * @param offset       the storage offset
     * @param size         the size
     * @param stride       the strides
     */
    record Entry(String key, String storageClass, String storageKey, long numel, long offset, long[] size,
            long[] stride) {
    }

    private final ByteArrayOutputStream b = new ByteArrayOutputStream();
    private final Map<String, Integer> memo = new HashMap<>();
    private int next;

    /**
     * An OrderedDict (or a dict) of the entries; with {@code metadata} (module prefix to version), the
     * BUILD of {@code {'_metadata': OrderedDict(prefix: {'version': v})}} that {@code state_dict()} adds.
     */
    static byte[] stateDict(List<Entry> entries, boolean ordered, List<Map.Entry<String, Integer>> metadata) {
        TorchSaveWriter w = new TorchSaveWriter();
        w.raw(0x80, 2);
        if (ordered) {
            w.global("collections", "OrderedDict");
            w.raw(')', 'R');
            w.put();
        } else {
            w.raw('}');
            w.put();
        }
        w.batched(entries.size(), i -> {
            Entry e = entries.get(i);
            w.newStr(e.key());
            w.tensor(e);
        });
        if (metadata != null) {
            w.raw('}');
            w.put();
            w.newStr("_metadata");
            w.global("collections", "OrderedDict");
            w.raw(')', 'R');
            w.put();
            w.batched(metadata.size(), i -> {
                w.newStr(metadata.get(i).getKey());
                w.raw('}');
                w.put();
                w.internedStr("version");
                w.integer(metadata.get(i).getValue());
                w.raw('s');
            });
            w.raw('s', 'b');
        }
        w.raw('.');
        return w.b.toByteArray();
    }

    private interface Item {
        void write(int i);
    }

    /** pickle's _batch_setitems: MARK ... SETITEMS per 1,000 items, a lone last item with SETITEM. */
    private void batched(int n, Item item) {
        for (int start = 0; start < n; start += 1000) {
            int end = Math.min(n, start + 1000);
            if (end - start > 1) {
                raw('(');
            }
            for (int i = start; i < end; i++) {
                item.write(i);
            }
            raw(end - start > 1 ? 'u' : 's');
        }
    }

    private void tensor(Entry e) {
        global("torch._utils", "_rebuild_tensor_v2");
        raw('(', '(');
        internedStr("storage");
        global("torch", e.storageClass());
        if (!getIfMemoized("str:key:" + e.storageKey())) {
            str(e.storageKey());
            memo.put("str:key:" + e.storageKey(), put());
        }
        internedStr("cpu");
        integer(e.numel());
        raw('t');
        put();
        raw('Q');
        integer(e.offset());
        tuple(e.size());
        tuple(e.stride());
        raw(0x89);
        global("collections", "OrderedDict");
        raw(')', 'R');
        put();
        raw('t');
        put();
        raw('R');
        put();
    }

    private void tuple(long[] items) {
        if (items.length == 0) {
            raw(')');
            return;
        }
        if (items.length > 3) {
            raw('(');
        }
        for (long v : items) {
            integer(v);
        }
        raw(items.length > 3 ? 't' : 0x84 + items.length);
        put();
    }

    private void integer(long v) {
        if (v >= 0 && v < 256) {
            raw('K', (int) v);
        } else if (v >= 0 && v < 65536) {
            raw('M', (int) v & 0xff, (int) (v >> 8));
        } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            raw('J');
            le4((int) v);
        } else {
            throw new IllegalArgumentException("LONG1 not written here: " + v);
        }
    }

    /** A global: GLOBAL and BINPUT the first time, BINGET after (pickle memoizes the object). */
    private void global(String module, String name) {
        if (!getIfMemoized("global:" + module + "." + name)) {
            b.writeBytes(("c" + module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            memo.put("global:" + module + "." + name, put());
        }
    }

    /** A string literal Python interns ('storage', 'cpu', 'version'): memoized once, fetched after. */
    private void internedStr(String s) {
        if (!getIfMemoized("str:" + s)) {
            str(s);
            memo.put("str:" + s, put());
        }
    }

    /** A string object not seen before (a key): written and memoized. */
    private void newStr(String s) {
        str(s);
        put();
    }

    private boolean getIfMemoized(String what) {
        Integer i = memo.get(what);
        if (i == null) {
            return false;
        }
        if (i < 256) {
            raw('h', i);
        } else {
            raw('j');
            le4(i);
        }
        return true;
    }

    private void str(String s) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        raw('X');
        le4(u.length);
        b.writeBytes(u);
    }

    private int put() {
        if (next < 256) {
            raw('q', next);
        } else {
            raw('r');
            le4(next);
        }
        return next++;
    }

    private void raw(int... bytes) {
        for (int x : bytes) {
            b.write(x);
        }
    }

    private void le4(int v) {
        raw(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
    }
}
