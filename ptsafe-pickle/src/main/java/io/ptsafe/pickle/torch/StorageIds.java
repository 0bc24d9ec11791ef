package io.ptsafe.pickle.torch;

import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.pickle.machine.Call;
import io.ptsafe.pickle.machine.GlobalRef;
import io.ptsafe.pickle.machine.PersistentLoader;
import io.ptsafe.pickle.machine.TupleObj;
import io.ptsafe.pickle.machine.Values;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * torch's persistent ids: {@code ('storage', storage_type, key, location, numel)} in the zip format,
 * with a sixth item (view metadata, or None) in the legacy format. Anything else is refused
 * ({@link Reason#INVALID_PERSISTENT_ID}); one key named with two types or sizes is refused
 * ({@link Reason#STORAGE_CONFLICT}). Records nothing but the ids: no storage bytes are read here.
 */
public final class StorageIds implements PersistentLoader {
    /** Longest storage key accepted (torch writes decimal keys of a few digits). */
    private static final int MAX_KEY_LENGTH = 256;

    private final boolean legacy;
    private final StorageTable byKey = new StorageTable();

    /** @param legacy whether ids carry the legacy format's sixth item (view metadata) */
    public StorageIds(boolean legacy) {
        this.legacy = legacy;
    }

    /** Every storage named so far, by key, in the order first named. */
    public Map<String, StorageRef> storages() {
        return byKey.asMap();
    }

    @Override
    public Object load(Object pid, Call call) throws PtsafeException {
        StorageRef ref = parse(pid, call);
        StorageRef seen = byKey.putIfAbsent(ref); // one lookup: most keys are new
        if (seen == null) {
            return ref;
        }
        checkSame(seen, ref, call);
        if (legacy && !java.util.Objects.equals(seen.view(), ref.view())) {
            return ref;
        }
        return seen;
    }

    /**
     * The storage {@code pid} names, validated, as a new ref that is not recorded: for a caller that
     * keeps its own table of the storages (the legacy format's roots), and checks with
     * {@link #checkSame} a key named again.
     */
    public StorageRef parse(Object pid, Call call) throws PtsafeException {
        if (!(pid instanceof TupleObj t)) {
            throw invalid(call, "a persistent id must be a tuple, got a " + Values.typeName(pid));
        }
        List<Object> items = t.items();
        int expected = legacy ? 6 : 5;
        if (items.isEmpty() || !"storage".equals(text(items.getFirst()))) {
            throw invalid(call, "only ('storage', ...) persistent ids are allowed, got one starting with "
                    + (items.isEmpty() ? "nothing" : describe(items.getFirst())));
        }
        if (items.size() != expected) {
            throw invalid(call, "a storage id has " + expected + " items, this one " + items.size());
        }
        if (!(items.get(1) instanceof GlobalRef g) || !(g.meaning() instanceof StorageType type)) {
            throw invalid(call, "the storage type must be a storage class, got " + describe(items.get(1)));
        }
        if (type.dtype() == null && !type.untyped()) {
            throw invalid(call, type.global() + " names no element type");
        }
        String key = text(items.get(2));
        if (!isRecordName(key)) {
            throw invalid(call, "storage key " + describe(items.get(2)) + " is not a plain record name");
        }
        String location = text(items.get(3));
        if (location == null) {
            throw invalid(call, "storage location must be a str, got " + describe(items.get(3)));
        }
        long numel = count(items.get(4), call, "numel");
        StorageRef.View view = legacy ? view(items.get(5), call) : null;
        return new StorageRef(key, type.global(), type.dtype(), location, numel, view);
    }

    /** Refuses {@code ref} when it names the key of {@code seen} (named before) with another type or size. */
    public static void checkSame(StorageRef seen, StorageRef ref, Call call) throws PtsafeException {
        if (!seen.storageClass().equals(ref.storageClass()) || seen.numel() != ref.numel()) {
            throw call.fail(Reason.STORAGE_CONFLICT, "storage '" + ref.key() + "' is named as " + ref.storageClass()
                    + " of " + ref.numel() + " and before as " + seen.storageClass() + " of " + seen.numel());
        }
    }

    private StorageRef.View view(Object v, Call call) throws PtsafeException {
        if (v == PyValue.None.NONE) {
            return null;
        }
        if (v instanceof TupleObj t && t.size() == 3) {
            String key = text(t.get(0));
            if (isRecordName(key)) {
                return new StorageRef.View(key, count(t.get(1), call, "view offset"), count(t.get(2), call, "view size"));
            }
        }
        throw invalid(call, "legacy view metadata must be None or (key, offset, size), got " + describe(v));
    }

    /**
     * Keys torch writes are decimal; ptsafe allows a safe record-name component, nothing more:
     * {@code [A-Za-z0-9_][A-Za-z0-9_.-]{0,255}}, and never "." or "..". Checked by hand rather than
     * with a regex because it runs once per storage on the open path.
     */
    static boolean isRecordName(String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            return false;
        }
        char first = key.charAt(0);
        if (first >= 128 || NAME_CHARS[first] != WORD) {
            return false;
        }
        for (int i = 1; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c >= 128 || NAME_CHARS[c] == 0) {
                return false;
            }
        }
        return true;
    }

    /** {@link #NAME_CHARS} of a word character, allowed anywhere in a key. */
    private static final byte WORD = 2;
    /** By ASCII code: {@link #WORD}, 1 for '.' and '-' (allowed after the first character), else 0. */
    private static final byte[] NAME_CHARS = new byte[128];

    static {
        for (char c = 0; c < 128; c++) {
            boolean word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
            NAME_CHARS[c] = word ? WORD : c == '.' || c == '-' ? (byte) 1 : 0;
        }
    }

    private static long count(Object v, Call call, String what) throws PtsafeException {
        if (v instanceof PyValue.Int i && i.value().signum() >= 0 && i.value().bitLength() < 63) {
            return i.value().longValue();
        }
        throw invalid(call, what + " must be a non-negative int, got " + describe(v));
    }

    /** A str, or bytes decoded as ASCII (torch's _maybe_decode_ascii), else null. */
    private static String text(Object v) {
        if (v instanceof PyValue.Str s) {
            return s.value();
        }
        if (v instanceof PyValue.Bytes b && !b.mutable()) {
            byte[] a = b.value();
            for (byte x : a) {
                if (x < 0) {
                    return null;
                }
            }
            return new String(a, StandardCharsets.US_ASCII);
        }
        return null;
    }

    private static String describe(Object v) {
        if (v instanceof PyValue.Str s) {
            return "'" + (s.value().length() > 40 ? s.value().substring(0, 40) + "..." : s.value()) + "'";
        }
        if (v instanceof PyValue.Int i) {
            return i.value().toString();
        }
        return "a " + Values.typeName(v);
    }

    private static PtsafeException invalid(Call call, String message) {
        return call.fail(Reason.INVALID_PERSISTENT_ID, message);
    }
}
