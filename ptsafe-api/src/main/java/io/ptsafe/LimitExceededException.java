package io.ptsafe;

import java.nio.file.Path;

/**
 * A value read from a file is over one of the {@link LoadOptions} limits. Callers that accept large
 * files on purpose catch it to tell the user which setting to raise: {@link #setting()}.
 */
public final class LimitExceededException extends PtsafeException {
    private static final long serialVersionUID = 1L;

    /** The {@link LoadOptions} builder method that sets the limit. */
    private final String setting;
    /** The limit in force. */
    private final long limit;
    /** The value read from the file. */
    private final long value;

    /**
     * Creates the refusal; its message is
     * "{@code place}: {@code value} is over the limit of {@code limit} (LoadOptions.{@code setting})".
     *
     * @param reason  the rule that refuses the file, such as {@link Reason#TOO_MANY_TENSORS}
     * @param file    the file refused, or null where there is none
     * @param place   what was measured and where, such as "tensor count at tensor 'fc.weight'"
     * @param setting the {@link LoadOptions} builder method that sets the limit, such as "maxTensors"
     * @param value   the value read from the file
     * @param limit   the limit in force
     */
    public LimitExceededException(Reason reason, Path file, String place, String setting, long value, long limit) {
        super(reason, file, place + ": " + value + " is over the limit of " + limit
                + " (LoadOptions." + setting + ")");
        this.setting = setting;
        this.limit = limit;
        this.value = value;
    }

    /**
     * {@return the {@link LoadOptions} builder method that sets the limit: the name
     * {@link LoadOptions.Builder#limit(String, long)} takes}
     */
    public String setting() {
        return setting;
    }

    /** {@return the limit in force when the file was read} */
    public long limit() {
        return limit;
    }

    /** {@return the value read from the file, over {@link #limit()}} */
    public long value() {
        return value;
    }
}
