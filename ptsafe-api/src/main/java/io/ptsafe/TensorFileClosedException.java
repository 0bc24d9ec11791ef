package io.ptsafe;

import java.nio.file.Path;

/** A tensor or file was used after its {@link TensorFile} was closed. */
public final class TensorFileClosedException extends PtsafeException {
    private static final long serialVersionUID = 1L;

    public TensorFileClosedException(Path file, String what) {
        this(file, what, null);
    }

    /** With the JDK's report of the closed memory as cause. */
    public TensorFileClosedException(Path file, String what, Throwable cause) {
        super(Reason.CLOSED, file, what + " used after the file was closed", cause);
    }
}
