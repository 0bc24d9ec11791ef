package io.ptsafe;

import java.nio.file.Path;

/**
 * A tensor or file was used after its {@link TensorFile} was closed, or while it was closing: a
 * mistake of the caller, not of the file, so unchecked (as Lucene's {@code AlreadyClosedException}).
 * The memory behind a closed file is never touched.
 */
public final class TensorFileClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    /**
     * Creates "{@code file}: {@code what} used after the file was closed".
     *
     * @param file the closed file, or null where there is none
     * @param what what was used, such as "tensor 'fc.weight'"
     */
    public TensorFileClosedException(Path file, String what) {
        this(file, what, null);
    }

    /**
     * With the JDK's report of the closed memory as cause.
     *
     * @param file  the closed file, or null where there is none
     * @param what  what was used, such as "tensor 'fc.weight'"
     * @param cause the JDK's exception on touching the closed memory (an IllegalStateException), or null
     */
    public TensorFileClosedException(Path file, String what, Throwable cause) {
        super((file == null ? "" : file + ": ") + what + " used after the file was closed", cause);
        this.file = file;
    }

    /** {@return the closed file, or {@code null} where there is none (an in-memory tensor)} */
    public Path file() {
        return file;
    }
}
