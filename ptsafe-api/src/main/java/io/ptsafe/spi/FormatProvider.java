package io.ptsafe.spi;

import io.ptsafe.LoadOptions;
import io.ptsafe.TensorFile;
import java.io.IOException;

/**
 * A format a module teaches {@link io.ptsafe.SafeLoader}. Registered with {@code provides
 * io.ptsafe.spi.FormatProvider with ...} in module-info (and META-INF/services for the class path).
 */
public interface FormatProvider {

    /** A short name for messages, e.g. "safetensors". */
    String name();

    /** Higher goes first when several providers could recognise a file. */
    default int priority() {
        return 0;
    }

    /** Whether the file's leading bytes (or, for a folder, its listing) are this format's. Cheap; no parsing. */
    boolean recognizes(FileProbe probe);

    /** Opens and fully validates the file; never returns a half-loaded result. */
    TensorFile open(FileProbe probe, LoadOptions options) throws IOException;
}
