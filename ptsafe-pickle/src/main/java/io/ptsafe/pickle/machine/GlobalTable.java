package io.ptsafe.pickle.machine;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The table of meanings: every global ({@code module.qualname}) a pickle may name, with the Java
 * code that gives it behaviour. A name outside the table is forbidden. Immutable.
 */
public final class GlobalTable {
    private final Map<String, Meaning> meanings;

    private GlobalTable(Map<String, Meaning> meanings) {
        this.meanings = Collections.unmodifiableMap(new LinkedHashMap<>(meanings));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The meaning of a name, or empty when the name is forbidden. */
    public Optional<Meaning> lookup(String global) {
        return Optional.ofNullable(meanings.get(global));
    }

    /** A builder holding this table's entries, to extend it. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.meanings.putAll(meanings);
        return b;
    }

    /** Builds a {@link GlobalTable}. */
    public static final class Builder {
        private final Map<String, Meaning> meanings = new LinkedHashMap<>();

        private Builder() {
        }

        /** Gives {@code global} a meaning; a second meaning for one name is a programming error. */
        public Builder put(String global, Meaning meaning) {
            Objects.requireNonNull(meaning, "meaning");
            if (meanings.putIfAbsent(Objects.requireNonNull(global, "global"), meaning) != null) {
                throw new IllegalArgumentException("two meanings for " + global);
            }
            return this;
        }

        /** Adds every entry of {@code table}. */
        public Builder putAll(GlobalTable table) {
            table.meanings.forEach(this::put);
            return this;
        }

        public GlobalTable build() {
            return new GlobalTable(meanings);
        }
    }
}
