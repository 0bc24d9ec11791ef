package io.ptsafe.safetensors;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A set of files written beside their targets under temporary names and renamed into place
 * together, or not at all.
 *
 * <p>{@link #commit()} renames each temporary file onto its target with {@code ATOMIC_MOVE}, so a
 * reader sees the old file or the new one, never a mix. For a set of several files it first keeps
 * a second name (a hard link) for every existing target; if a rename fails, the files already moved
 * in are removed and the old targets put back. {@link #close()} deletes whatever temporary or backup files
 * remain, so a failure at any point (bad input, full disk, interrupt) leaves the folder as it was.
 *
 * <p>Temporary files are created with {@code CREATE_NEW} and a random name rather than
 * {@code Files.createTempFile}, so they get the permissions any new file gets (the umask), not
 * {@code rw-------}.
 */
final class AtomicOutput implements AutoCloseable {
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Pending(Path temp, Path target) {
    }

    private final List<Pending> pending = new ArrayList<>();
    private final Set<Path> leftovers = new LinkedHashSet<>();
    private boolean committed;
    /** Deletes the temporary files if the JVM exits mid-write (Ctrl-C), when no finally block runs. */
    private Thread exitHook;

    /** A new, empty temporary file in the target's folder, to be renamed onto {@code target}. */
    synchronized Path newTemp(Path target) throws PtsafeException {
        if (exitHook == null) {
            exitHook = new Thread(this::deleteTempsOnExit, "ptsafe: delete temporary files");
            try {
                Runtime.getRuntime().addShutdownHook(exitHook);
            } catch (IllegalStateException e) {
                throw new PtsafeException(Reason.IO_ERROR, target, "the JVM is shutting down; nothing was written");
            }
        }
        Path dir = target.toAbsolutePath().getParent();
        if (Files.isDirectory(target)) {
            throw new PtsafeException(Reason.CANNOT_WRITE, target, "is a folder, not a file name");
        }
        if (dir == null || !Files.isDirectory(dir)) {
            throw new PtsafeException(Reason.IO_ERROR, target, "the folder " + dir + " does not exist");
        }
        for (int attempt = 0; ; attempt++) {
            byte[] r = new byte[6];
            RANDOM.nextBytes(r);
            Path temp = dir.resolve("." + target.getFileName() + "." + HexFormat.of().formatHex(r) + ".tmp");
            try {
                Files.newByteChannel(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                leftovers.add(temp);
                pending.add(new Pending(temp, target));
                return temp;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw new PtsafeException(Reason.IO_ERROR, target, "cannot create a temporary file: " + e, e);
                }
            } catch (IOException e) {
                throw new PtsafeException(Reason.IO_ERROR, target, "cannot create a temporary file in " + dir
                        + ": " + e, e);
            }
        }
    }

    /** Renames every temporary file onto its target, in the order they were created. */
    synchronized void commit() throws PtsafeException {
        List<Path[]> backups = new ArrayList<>();
        List<Path> movedIn = new ArrayList<>();
        Pending current = null;
        try {
            for (Pending p : pending) {
                current = p;
                if (pending.size() > 1 && Files.exists(p.target())) {
                    Path backup = newBackupName(p.target());
                    keepOld(p.target(), backup);
                    leftovers.add(backup);
                    backups.add(new Path[] {backup, p.target()});
                }
            }
            for (Pending p : pending) {
                current = p;
                move(p.temp(), p.target());
                leftovers.remove(p.temp());
                movedIn.add(p.target());
            }
        } catch (IOException e) {
            rollBack(movedIn, backups);
            throw new PtsafeException(Reason.IO_ERROR, current.target(), "cannot rename " + current.temp()
                    .getFileName() + " into place: " + e, e);
        }
        committed = true;
        for (Path[] b : backups) {
            deleteQuietly(b[0]);
            leftovers.remove(b[0]);
        }
        syncFolders();
    }

    /** Deletes every temporary and backup file left (after a failure, all the output). */
    @Override
    public synchronized void close() {
        for (Path p : leftovers) {
            deleteQuietly(p);
        }
        leftovers.clear();
        if (exitHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(exitHook);
            } catch (IllegalStateException e) {
                // the JVM is exiting and the hook is running or has run
            }
            exitHook = null;
        }
    }

    /**
     * Runs at JVM exit while output is pending. Only temporary files go: a backup may be the only
     * copy of an old target while a commit is rolled back, and commit holds the lock until done.
     */
    private synchronized void deleteTempsOnExit() {
        for (Pending p : pending) {
            if (leftovers.contains(p.temp())) {
                deleteQuietly(p.temp());
            }
        }
    }

    boolean isCommitted() {
        return committed;
    }

    private void rollBack(List<Path> movedIn, List<Path[]> backups) {
        for (Path p : movedIn) {
            deleteQuietly(p);
        }
        for (Path[] b : backups) {
            try {
                move(b[0], b[1]);
                leftovers.remove(b[0]);
            } catch (IOException ignored) {
                // keep the backup: close() must not delete the only copy of the old file
                leftovers.remove(b[0]);
            }
        }
    }

    private static Path newBackupName(Path target) {
        byte[] r = new byte[6];
        RANDOM.nextBytes(r);
        return target.toAbsolutePath().getParent()
                .resolve("." + target.getFileName() + "." + HexFormat.of().formatHex(r) + ".old");
    }

    /**
     * Keeps a second name for an old target, so a failed set can be put back: a hard link leaves the
     * target in place (readers never see it missing); where links are not supported it is moved aside.
     */
    private static void keepOld(Path target, Path backup) throws IOException {
        try {
            Files.createLink(backup, target);
        } catch (UnsupportedOperationException | IOException e) {
            move(target, backup);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // Same folder, so this only happens on file systems without rename (none we know of).
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes the renames durable where the platform allows opening a folder (Linux, macOS). */
    private void syncFolders() {
        Set<Path> dirs = new LinkedHashSet<>();
        for (Pending p : pending) {
            dirs.add(p.target().toAbsolutePath().getParent());
        }
        for (Path d : dirs) {
            try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
                ch.force(true);
            } catch (IOException | UnsupportedOperationException ignored) {
                // best effort: the data itself was forced before the rename
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // nothing more can be done; the name starts with '.' and ends in .tmp/.old
        }
    }
}
