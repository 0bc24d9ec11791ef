package io.ptsafe.pickle.machine;

import io.ptsafe.PyValue;
import java.util.List;

/**
 * A global the table knows: its name ({@code module.qualname}) and its meaning. On the stack it
 * stands for the Python object the name denotes; as data it is {@code PyValue.Opaque(name)}.
 */
public final class GlobalRef {
    private final String name;
    private final Meaning meaning;
    private final PyValue.Opaque value;

    GlobalRef(String name, Meaning meaning) {
        this.name = name;
        this.meaning = meaning;
        this.value = new PyValue.Opaque(name, List.of(), null);
    }

    public String name() {
        return name;
    }

    public Meaning meaning() {
        return meaning;
    }

    /** The global as inert data. */
    PyValue.Opaque value() {
        return value;
    }

    @Override
    public String toString() {
        return name;
    }
}
