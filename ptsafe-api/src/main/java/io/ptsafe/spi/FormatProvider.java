package io.ptsafe.spi;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.util.Optional;

/**
 * A format a module teaches {@link io.ptsafe.SafeLoader}. Registered with {@code provides
 * io.ptsafe.spi.FormatProvider with ...} in module-info (and META-INF/services for the class path).
 * Implementations hold no state: {@link io.ptsafe.SafeLoader} keeps one instance of each and calls it
 * from any thread. Implemented by ptsafe's own format modules only ({@code io.ptsafe.safetensors},
 * {@code io.ptsafe.pickle}, the modules this package is exported to): third-party formats are not a
 * goal of 1.0.
 */
public interface FormatProvider {

    /** {@return a short name for messages, e.g. "safetensors"; it also orders providers of equal priority} */
    String name();

    /**
     * Higher goes first when several providers could recognise a file.
     *
     * @return this provider's rank; 0 by default
     */
    default int priority() {
        return 0;
    }

    /**
     * {@return whether the file's leading bytes (or, for a folder, its listing) are this format's} Cheap; no parsing.
     *
     * @param probe the file's path, kind, size and leading bytes
     */
    boolean recognizes(FileProbe probe);

    /**
     * Why this provider does not {@link #recognizes recognise} a file, for the "not a model file"
     * listing of a scan (e.g. "first byte 0x23 is no pickle opcode"). Cheap; no parsing. Default:
     * empty (no reason given).
     *
     * @param probe the file's path, kind, size and leading bytes
     * @return the reason, when the provider has one to give
     */
    default Optional<String> declineReason(FileProbe probe) {
        return Optional.empty();
    }

    /**
     * Opens and fully validates the file; never returns a half-loaded result.
     *
     * @param probe   a probe this provider {@link #recognizes recognised}
     * @param options the limits and policies to enforce
     * @return the open file; the caller closes it
     * @throws IOException when the file is refused: implementations throw a
     *         {@link io.ptsafe.PtsafeException} naming the {@link io.ptsafe.Reason} for every refusal
     */
    TensorFile open(FileProbe probe, LoadOptions options) throws IOException;

    /**
     * {@return what {@link #recognizes} recognised, for scan reports} Cheap; no parsing. Default: UNKNOWN.
     *
     * @param probe a probe this provider recognised
     */
    default ContainerKind container(FileProbe probe) {
        return ContainerKind.UNKNOWN;
    }

    /**
     * Scans a file {@link #recognizes} accepted, without loading it: every problem becomes a
     * finding of the report, never an exception. It must decide with the same code that
     * {@link #open} uses, so that scanning and loading cannot disagree; it may go on past the first
     * problem to report more. It reads no more of the file than opening does (no tensor data beyond
     * bounds checks) and obeys the same {@code options}.
     *
     * <p>The default opens the file and closes it ({@link ScanSupport#byOpening}): one finding for
     * the refusal, if any, and the tensor inventory otherwise.
     *
     * @param probe   a probe this provider {@link #recognizes recognised}
     * @param options the limits and policies {@link #open} would enforce
     * @return the report; never null
     */
    default ScanReport scan(FileProbe probe, LoadOptions options) {
        return ScanSupport.byOpening(this, probe, options);
    }
}
