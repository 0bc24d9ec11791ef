package io.ptsafe.pickle.machine;

import io.ptsafe.PyValue;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Python dict, OrderedDict or Counter while the pickle is decoded. Keys are hashable values in
 * their frozen {@link PyValue} form; values are machine values. Insertion-ordered, like Python.
 */
public final class DictObj implements Buildable {
    /** The kinds {@link PyValue.Dict#kind()} reports. */
    public static final String DICT = "dict";
    public static final String ORDERED_DICT = "OrderedDict";
    public static final String COUNTER = "Counter";

    private final String kind;
    /** Replaced by an empty map when {@link TreeConverter} takes the entries ({@link #take()}). */
    LinkedHashMap<Key, Object> entries = new LinkedHashMap<>();
    /**
     * Whether every entry was charged to the budget as SETITEM(S) put it ({@link HeapCost#MAP_ENTRY},
     * and {@link HeapCost#FIRST_TABLE} with the first): false once {@code OrderedDict(mapping)} filled
     * it, which charges no entry; then taking the entries gives nothing back.
     */
    private boolean entriesCharged = true;
    private Object attributes;

    public DictObj(String kind) {
        this.kind = kind;
    }

    public String kind() {
        return kind;
    }

    public int size() {
        return entries.size();
    }

    /** The entries so far: frozen keys to machine values, read-only and in insertion order. */
    public Map<PyValue, Object> entries() {
        Map<PyValue, Object> m = new LinkedHashMap<>();
        entries.forEach((k, v) -> m.put(k.value(), v));
        return Collections.unmodifiableMap(m);
    }

    /** Marks the entries as not charged one by one (see {@link #entriesCharged}). */
    void entriesUncharged() {
        entriesCharged = false;
    }

    /**
     * Hands the entries over to the converter, which alone reads them from then on (it converts a
     * dict once, and meets it again only through its table of converted values): the dict keeps an
     * empty map, so that each entry dies once the converter is past it.
     *
     * @return the entries, and the charge their map's entries took ({@code 0} when not charged one by one)
     */
    Taken take() {
        LinkedHashMap<Key, Object> e = entries;
        entries = new LinkedHashMap<>();
        long charged = !entriesCharged || e.isEmpty() ? 0 : HeapCost.FIRST_TABLE + HeapCost.MAP_ENTRY * e.size();
        return new Taken(e, charged);
    }

    /** What {@link #take()} hands over. */
    record Taken(LinkedHashMap<Key, Object> entries, long charged) {
    }

    /** The value under a string key, or null. */
    public Object get(String key) {
        for (Map.Entry<Key, Object> e : entries.entrySet()) {
            if (e.getKey().value() instanceof PyValue.Str s && s.value().equals(key)) {
                return e.getValue();
            }
        }
        return null;
    }

    /**
     * What BUILD set on an OrderedDict or Counter (instance attributes; torch keeps a state
     * dict's {@code _metadata} there), or null. Not part of the converted {@link PyValue.Dict}.
     */
    public Object attributes() {
        return attributes;
    }

    /**
     * BUILD on an OrderedDict or Counter updates its attributes from a dict, as torch's restricted
     * unpickler allows; BUILD on a plain dict is refused, as Python would refuse it.
     */
    @Override
    public Object build(Object state, Call call) throws io.ptsafe.PtsafeException {
        if (kind.equals(DICT)) {
            throw call.forbidden("BUILD on a plain dict");
        }
        if (!(state instanceof DictObj) && state != PyValue.None.NONE) {
            throw call.malformed("BUILD on an " + kind + " needs a dict of attributes, got " + Values.typeName(state));
        }
        attributes = state;
        return this;
    }

    @Override
    public String toString() {
        return kind + "[" + entries.size() + "]";
    }
}
