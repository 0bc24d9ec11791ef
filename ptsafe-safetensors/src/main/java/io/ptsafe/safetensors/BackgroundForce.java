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
 * Forces written files to disk on one background thread, so that the disk writes them while the
 * converter is still writing ({@link #follow}) and then reading them back for the verification,
 * rather than after. Durability is unchanged, only where the wait happens: each file gets a
 * {@code force(true)} once all of it is written, nothing is put in place before {@link #awaitAll()}
 * has returned, and {@link #close()} waits for any force still running, so a failed conversion
 * deletes its temporary files only once nothing writes them any more.
 *
 * <p>While a file grows, the thread calls {@code force(false)} each time another {@link #STEP} bytes
 * have been written: the kernel otherwise keeps them in the page cache until the final force (far
 * below its own write-back thresholds on a machine with a few GiB of memory), and that force then
 * waits for all of them at once. Those intermediate forces are extra, not instead of the last.
 */
final class BackgroundForce implements AutoCloseable {
    /** Bytes written between two intermediate forces: a few journal commits for a large file, none for a small one. */
    static final long STEP = 32L << 20;

    private record Pending(Path target, Future<?> done) {
    }

    /**
     * A file being written, told to the forcing thread as it grows. Its writer calls
     * {@link #written(long)} as it goes and {@link #complete()} once the file is whole.
     */
    static final class Growing {
        private long written;
        private boolean complete;

        /** The file now holds {@code bytes} bytes written (its length so far). */
        synchronized void written(long bytes) {
            long before = written;
            written = bytes;
            if (bytes / STEP != before / STEP) {
                notifyAll();
            }
        }

        /** All of the file is written: the thread forces it with {@code force(true)} and is done with it. */
        synchronized void complete() {
            complete = true;
            notifyAll();
        }

        /** Waits until {@code STEP} more bytes than {@code forced} are written (returns that length) or the file is whole (-1). */
        private synchronized long next(long forced) throws InterruptedException {
            while (!complete && written - forced < STEP) {
                wait();
            }
            return complete ? -1 : written;
        }
    }

    private final List<Pending> pending = new ArrayList<>();
    private ExecutorService thread;

    /** Starts forcing {@code temp} (all of it written, closed) to disk; {@code target} names it in messages. */
    void start(Path temp, Path target) {
        follow(temp, target).complete();
    }

    /**
     * Starts forcing {@code temp} while it is being written (it must exist): intermediate forces as
     * it grows, {@code force(true)} once {@link Growing#complete()} is called.
     *
     * @param target names the file in messages
     * @return what the writer tells the thread of its progress
     */
    Growing follow(Path temp, Path target) {
        if (thread == null) {
            thread = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("ptsafe: force to disk")
                    .factory());
        }
        Growing growing = new Growing();
        pending.add(new Pending(target, thread.submit(() -> {
            force(temp, growing);
            return null;
        })));
        return growing;
    }

    /** Forces with its own channel: fsync flushes the file, whichever descriptor asks. */
    private static void force(Path temp, Growing growing) throws IOException, InterruptedException {
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            for (long forced = 0, now; (now = growing.next(forced)) >= 0; forced = now) {
                ch.force(false);
            }
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

    /**
     * Stops the thread once any force running has returned (an fsync cannot be cut short); a file
     * still followed but never completed (its writer failed) is let go without its final force.
     */
    @Override
    public void close() {
        if (thread != null) {
            thread.shutdownNow();
            thread.close();
        }
    }
}
