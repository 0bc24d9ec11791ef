package io.ptsafe.djl;

import io.ptsafe.LoadOptions;
import java.util.Objects;

/**
 * How ptsafe-djl turns tensors into NDArrays and matches a state dict to a block. Immutable.
 *
 * <p>Defaults: {@linkplain Memory#COPY copies} into engine-owned memory, {@linkplain #strict() strict}
 * matching, no dtype widening, no dequantization, torch's names as the block's built-in mapping gives
 * them ({@link KeyMapping#identity()}), and ptsafe's default {@link LoadOptions} for opening files.
 */
public final class DjlOptions {
    private static final DjlOptions DEFAULTS = builder().build();

    private final Memory memory;
    private final boolean strict;
    private final boolean widen;
    private final boolean dequantize;
    private final boolean cast;
    private final KeyMapping keys;
    private final LoadOptions loadOptions;

    private DjlOptions(Builder b) {
        this.memory = b.memory;
        this.strict = b.strict;
        this.widen = b.widen;
        this.dequantize = b.dequantize;
        this.cast = b.cast;
        this.keys = b.keys;
        this.loadOptions = b.loadOptions;
    }

    /** {@return the defaults} */
    public static DjlOptions defaults() {
        return DEFAULTS;
    }

    /** {@return a builder starting from the defaults} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return where loaded arrays keep their values} */
    public Memory memory() {
        return memory;
    }

    /**
     * {@return whether a state dict that does not match the block exactly is refused (the default),
     * as torch's {@code load_state_dict(strict=True)}} When false, the matching tensors are loaded and
     * the problems returned in the {@link LoadReport}.
     */
    public boolean strict() {
        return strict;
    }

    /**
     * {@return whether dtypes the engine has no type for are widened instead of refused} Floats
     * (BF16 and every F8 variant) become FLOAT32, I16 and U16 become INT32, U32 becomes INT64: each
     * value exactly. The packed F4 and F6 floats, U64 and complex dtypes are refused even so.
     */
    public boolean widen() {
        return widen;
    }

    /**
     * {@return whether quantized tensors (QINT8, QUINT8, QINT32) are dequantized to FLOAT32 as torch's
     * {@code dequantize()} computes, instead of refused} Packed QUINT4X2 and QUINT2X4 are refused even so.
     */
    public boolean dequantize() {
        return dequantize;
    }

    /**
     * {@return whether a state dict tensor of another type than its parameter is cast to the
     * parameter's type (by the engine's {@code toType}), as torch's {@code load_state_dict} does
     * silently, instead of reported as a dtype mismatch} Default false. Only between real types
     * (floats, integers, booleans); a refused dtype stays refused.
     */
    public boolean cast() {
        return cast;
    }

    /** {@return the rules from the file's tensor names to the block's (torch-style) names} */
    public KeyMapping keys() {
        return keys;
    }

    /** {@return the limits for opening files by path} */
    public LoadOptions loadOptions() {
        return loadOptions;
    }

    /** {@return a builder starting from these options} */
    public Builder toBuilder() {
        return new Builder().memory(memory).strict(strict).widen(widen).dequantize(dequantize).cast(cast).keys(keys)
                .loadOptions(loadOptions);
    }

    @Override
    public String toString() {
        return "DjlOptions[memory=" + memory + ", strict=" + strict + ", widen=" + widen + ", dequantize="
                + dequantize + ", cast=" + cast + ", keys=" + keys + "]";
    }

    /** Builds {@link DjlOptions}. */
    public static final class Builder {
        private Memory memory = Memory.COPY;
        private boolean strict = true;
        private boolean widen;
        private boolean dequantize;
        private boolean cast;
        private KeyMapping keys = KeyMapping.identity();
        private LoadOptions loadOptions = LoadOptions.defaults();

        private Builder() {
        }

        /**
         * Sets where loaded arrays keep their values (default {@link Memory#COPY}).
         *
         * @param memory the mode; {@link Memory#READ_ONLY_VIEW} forbids what its Javadoc lists
         * @return this builder
         */
        public Builder memory(Memory memory) {
            this.memory = Objects.requireNonNull(memory, "memory");
            return this;
        }

        /**
         * Sets strict matching (default true).
         *
         * @param strict false to load what matches and report the rest
         * @return this builder
         */
        public Builder strict(boolean strict) {
            this.strict = strict;
            return this;
        }

        /**
         * Sets dtype widening (default false: refused).
         *
         * @param widen true to widen dtypes the engine lacks, exactly
         * @return this builder
         */
        public Builder widen(boolean widen) {
            this.widen = widen;
            return this;
        }

        /**
         * Sets dequantization (default false: refused).
         *
         * @param dequantize true to dequantize QINT8, QUINT8 and QINT32 tensors to FLOAT32
         * @return this builder
         */
        public Builder dequantize(boolean dequantize) {
            this.dequantize = dequantize;
            return this;
        }

        /**
         * Sets casting to the parameter's type (default false: a dtype mismatch).
         *
         * @param cast true to cast as torch's {@code load_state_dict} does
         * @return this builder
         */
        public Builder cast(boolean cast) {
            this.cast = cast;
            return this;
        }

        /**
         * Sets the rules from the file's names to the block's (default: none).
         *
         * @param keys the rules
         * @return this builder
         */
        public Builder keys(KeyMapping keys) {
            this.keys = Objects.requireNonNull(keys, "keys");
            return this;
        }

        /**
         * Sets the limits for opening files by path (default {@link LoadOptions#defaults()}).
         *
         * @param options the limits
         * @return this builder
         */
        public Builder loadOptions(LoadOptions options) {
            this.loadOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /** {@return the options} */
        public DjlOptions build() {
            return new DjlOptions(this);
        }
    }
}
