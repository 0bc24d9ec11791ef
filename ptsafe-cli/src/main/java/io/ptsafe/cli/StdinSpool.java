package io.ptsafe.cli;

import io.ptsafe.Limit;
import io.ptsafe.LimitExceededException;
import io.ptsafe.Reason;
import io.ptsafe.internal.Spool;
import io.ptsafe.scan.FileDigest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ptsafe scan -} (or {@code /dev/stdin}): standard input copied to a temporary file only its
 * owner can read (by ptsafe-api's {@code Spool}, as the library copies a stream, reading no further
 * than one byte past the cap), under {@link Limit#MAX_ARCHIVE_MEMBER_BYTES} (standard input is treated as an
 * archive member extracted for scanning), hashed on the way, and deleted on {@link #close()},
 * whatever happened. The reports name it {@link #NAME}.
 *
 * <p>One job, in one place, so that it can give way to a library scan of a stream when there is one.
 */
final class StdinSpool implements AutoCloseable {
    /** How reports name standard input. */
    static final String NAME = "<stdin>";

    private final Path file;
    private final FileDigest digest;

    private StdinSpool(Path file, FileDigest digest) {
        this.file = file;
        this.digest = digest;
    }

    /** Whether a PATH argument means standard input. */
    static boolean isStdin(String arg) {
        return arg.equals("-") || arg.equals("/dev/stdin");
    }

    /**
     * Copies {@code in} to its end into a new owner-only temporary file.
     *
     * @param cap the most bytes accepted
     * @throws LimitExceededException when {@code in} holds more than {@code cap} bytes (the file is deleted)
     * @throws IOException            when reading or writing fails (the file is deleted)
     */
    static StdinSpool of(InputStream in, long cap) throws IOException {
        Spool.Spooled s = Spool.write(in, Path.of(System.getProperty("java.io.tmpdir")), "ptsafe-stdin-", cap,
                read -> new LimitExceededException(Reason.ARCHIVE_LIMIT, Path.of(NAME), "bytes read from standard input",
                        Limit.MAX_ARCHIVE_MEMBER_BYTES, read, cap),
                file -> {
                    // also when the JVM is stopped by SIGINT or SIGTERM mid-copy or mid-scan
                    file.toFile().deleteOnExit();
                    return Spool.FILES.open(file);
                }, false);
        return new StdinSpool(s.file(), new FileDigest(s.size(), s.sha256()));
    }

    /** {@return the temporary file} */
    Path file() {
        return file;
    }

    /** {@return {@code text} with the temporary file's name replaced by {@link #NAME}} */
    String label(String text) {
        return text.replace(file.toString(), NAME);
    }

    /** {@return the size and SHA-256 of what was read} */
    FileDigest digest() {
        return digest;
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(file);
    }
}
