package io.ptsafe.pickle.machine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A Python list while the pickle is decoded: APPEND and APPENDS fill it, the memo may share it. */
public final class ListObj {
    final ArrayList<Object> items = new ArrayList<>();

    /** The items so far (machine values), read-only. */
    public List<Object> items() {
        return Collections.unmodifiableList(items);
    }

    @Override
    public String toString() {
        return "list[" + items.size() + "]";
    }
}
