package io.ptsafe;

import java.nio.file.Path;

/**
 * A value read from a file is over one of the {@link LoadOptions} limits. Callers that accept large
 * files on purpose catch it to tell the user which setting to raise: {@link #setting()}, or
 * {@link #limitKind()} to raise it with {@link LoadOptions.Builder#limit(Limit, long)}.
 */
public final class LimitExceededException extends PtsafeException {
    private static final long serialVersionUID = 1L;

    /** The limit the value is over. */
    private final Limit limitKind;
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
     * @param kind    the limit, such as {@link Limit#MAX_TENSORS}
     * @param value   the value read from the file
     * @param limit   the limit in force
     * @see Limit#exceeded(Path, String, long, long)
     */
    public LimitExceededException(Reason reason, Path file, String place, Limit kind, long value, long limit) {
        super(reason, file, place + ": " + value + " is over the limit of " + limit
                + " (LoadOptions." + kind.setting() + ")");
        this.limitKind = kind;
        this.limit = limit;
        this.value = value;
    }

    /**
     * {@return the {@link LoadOptions} builder method that sets the limit: the name
     * {@link LoadOptions.Builder#limit(String, long)} takes}
     */
    public String setting() {
        return limitKind.setting();
    }

    /** {@return the limit the value is over} */
    public Limit limitKind() {
        return limitKind;
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
