package io.ptsafe.safetensors;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Forces written files to disk on one background thread, so that reading them back for the
 * verification (page cache and CPU) runs while the disk writes them, rather than after. Durability
 * is unchanged, only where the wait happens: nothing is put in place before {@link #awaitAll()}
 * has returned, and {@link #close()} waits for any force still running, so a failed conversion
 * deletes its temporary files only once nothing writes them any more.
 */
final class BackgroundForce implements AutoCloseable {
    private record Pending(Path target, Future<?> done) {
    }

    private final List<Pending> pending = new ArrayList<>();
    private ExecutorService thread;

    /** Starts forcing {@code temp} (all of it written, closed) to disk; {@code target} names it in messages. */
    void start(Path temp, Path target) {
        if (thread == null) {
            thread = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("ptsafe: force to disk")
                    .factory());
        }
        pending.add(new Pending(target, thread.submit(() -> {
            force(temp);
            return null;
        })));
    }

    /** Forces with its own channel: fsync flushes the file, whichever descriptor asks. */
    private static void force(Path temp) throws IOException {
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /**
     * Waits until every file started is on disk.
     *
     * @throws PtsafeException {@link Reason#IO_ERROR} when a force failed ("cannot write", as a
     *         failed write says), or this thread is interrupted (before or while waiting, whether
     *         or not the force is done, so an interrupt always stops the conversion); the interrupt
     *         status stays set, as after a {@link java.nio.channels.ClosedByInterruptException}
     */
    void awaitAll() throws PtsafeException {
        for (Pending p : pending) {
            try {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException();
                }
                p.done().get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PtsafeException(Reason.IO_ERROR, p.target(),
                        "interrupted while forcing to disk; nothing was written", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new PtsafeException(Reason.IO_ERROR, p.target(), "cannot write: " + cause, cause);
            }
        }
    }

    /** Stops the thread once any force running has returned (an fsync cannot be cut short). */
    @Override
    public void close() {
        if (thread != null) {
            thread.shutdownNow();
            thread.close();
        }
    }
}
