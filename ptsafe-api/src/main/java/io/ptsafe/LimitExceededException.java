package io.ptsafe;

import java.nio.file.Path;

/**
 * A value read from a file is over one of the {@link LoadOptions} limits. Callers that accept large
 * files on purpose catch it to tell the user which setting to raise: {@link #setting()}.
 */
public final class LimitExceededException extends PtsafeException {
    private static final long serialVersionUID = 1L;

    private final String setting;
    private final long limit;
    private final long value;

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

    public long limit() {
        return limit;
    }

    public long value() {
        return value;
    }
}
