package io.ptsafe;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Every refusal ptsafe makes. The {@link #reason()} names the rule; the message names the file, the
 * place (entry, byte offset, tensor), the value seen and the limit or setting involved.
 */
public class PtsafeException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The rule that refused the file. */
    private final Reason reason;
    private final transient Path file;

    /**
     * Creates a refusal. The message becomes "{@code file}: {@code message} [{@code reason}]".
     *
     * @param reason  the rule that refuses the file; not null
     * @param file    the file refused, or null where there is none (an in-memory tensor)
     * @param message the place, the value seen and the limit or setting involved; not the file's name
     * @throws NullPointerException if {@code reason} is null
     */
    public PtsafeException(Reason reason, Path file, String message) {
        this(reason, file, message, null);
    }

    /**
     * Creates a refusal with a cause. The message becomes "{@code file}: {@code message} [{@code reason}]".
     *
     * @param reason  the rule that refuses the file; not null
     * @param file    the file refused, or null where there is none (an in-memory tensor)
     * @param message the place, the value seen and the limit or setting involved; not the file's name
     * @param cause   the exception that revealed the problem, or null
     * @throws NullPointerException if {@code reason} is null
     */
    public PtsafeException(Reason reason, Path file, String message, Throwable cause) {
        super(format(reason, file, message), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.file = file;
    }

    /** {@return the rule that refused the file} */
    public Reason reason() {
        return reason;
    }

    /** {@return the file refused, or {@code null} where there is none (an in-memory tensor)} */
    public Path file() {
        return file;
    }

    private static String format(Reason reason, Path file, String message) {
        return (file == null ? "" : file + ": ") + message + " [" + reason + "]";
    }
}
