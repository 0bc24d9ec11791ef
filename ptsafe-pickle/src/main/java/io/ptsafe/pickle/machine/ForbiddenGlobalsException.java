package io.ptsafe.pickle.machine;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.nio.file.Path;
import java.util.List;

/** {@link Reason#FORBIDDEN_GLOBAL}, carrying every forbidden global the pickle names. */
public final class ForbiddenGlobalsException extends PtsafeException {
    private static final long serialVersionUID = 1L;

    private final transient List<GlobalUse> globals;

    ForbiddenGlobalsException(Path file, String message, List<GlobalUse> globals, Throwable cause) {
        super(Reason.FORBIDDEN_GLOBAL, file, message, cause);
        this.globals = List.copyOf(globals);
    }

    /** Every forbidden global met before the machine stopped, in pickle order. */
    public List<GlobalUse> globals() {
        return globals;
    }
}
