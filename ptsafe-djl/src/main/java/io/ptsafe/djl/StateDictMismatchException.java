package io.ptsafe.djl;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A strict load found a state dict that does not fit the block: every missing key, unexpected key,
 * shape and dtype mismatch at once, as torch's {@code load_state_dict(strict=True)} lists them;
 * nothing was assigned.
 *
 * <p>Not a {@link io.ptsafe.PtsafeException}: ptsafe accepted the file (it is a valid, safe file); it
 * is the pairing of file and block that fails. Checked, like the file errors the same call throws.
 */
public final class StateDictMismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient LoadReport report;

    StateDictMismatchException(Path file, LoadReport report) {
        super((file == null ? "" : file + ": ") + "the state dict does not match the block; nothing was loaded\n"
                + report.describe());
        this.report = report;
    }

    /** {@return everything the load found} */
    public LoadReport report() {
        return report;
    }
}
