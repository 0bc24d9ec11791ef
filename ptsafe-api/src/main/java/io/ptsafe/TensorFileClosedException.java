package io.ptsafe;

import java.nio.file.Path;

/** A tensor or file was used after its {@link TensorFile} was closed. */
public final class TensorFileClosedException extends PtsafeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the refusal "{@code what} used after the file was closed", of {@link Reason#CLOSED}.
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
     * @param cause the JDK's exception on touching the closed memory (an IllegalStateException)
     */
    public TensorFileClosedException(Path file, String what, Throwable cause) {
        super(Reason.CLOSED, file, what + " used after the file was closed", cause);
    }
}
