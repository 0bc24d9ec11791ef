package io.ptsafe.spi;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The one place files are mapped: one read-only mapping per file in an arena, a fault on the
 * mapped memory (the file truncated or replaced after it was mapped: the JDK's {@link InternalError})
 * turned into a {@link Reason#FILE_CHANGED} refusal, and the arena closed on every path where no
 * result took it. Every provider's open and scan go through {@link #open} or {@link #read}.
 *
 * <p>Content already in memory ({@link FileProbe#of(Path, MemorySegment)}) goes through the same two
 * methods, given the probe: a native segment is read in place, a heap segment (a {@code byte[]}) is
 * first copied into the arena, so that every reader sees what it sees of a mapped file (off-heap,
 * page-aligned, and not changed by the caller's later writes to its array).
 */
public final class MappedFiles {
    private MappedFiles() {
    }

    /**
     * What is done with a mapped file.
     *
     * @param <T> the result
     */
    @FunctionalInterface
    public interface Reading<T> {
        /**
         * Reads the mapping.
         *
         * @param file  a read-only segment of the whole file
         * @param arena the mapping's arena, for further segments (inflated records, copies)
         * @return the result
         * @throws PtsafeException when the file is refused
         */
        T read(MemorySegment file, Arena arena) throws PtsafeException;
    }

    /**
     * Maps {@code path} in a new shared arena that the result takes over (a {@link BasicTensorFile}
     * closes it): on any refusal or error the arena is closed and nothing stays mapped. The arena is
     * a {@link FileArena}: tensors built with it share the file's fields and shapes.
     *
     * @param path    the file to map
     * @param reading builds the result, which owns the arena from then on
     * @param <T>     the result
     * @return what {@code reading} returned
     * @throws PtsafeException what {@code reading} threw, or {@link Reason#IO_ERROR} when the file
     *         cannot be mapped, or {@link Reason#FILE_CHANGED} on a fault on the mapped memory
     */
    public static <T> T open(Path path, Reading<T> reading) throws PtsafeException {
        FileArena arena = new FileArena(Arena.ofShared());
        try {
            return run(path, arena, reading);
        } catch (PtsafeException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * {@link #open(Path, Reading)} of what a probe holds: the file it names, or its content in memory.
     *
     * @param probe   the probe a provider recognised
     * @param reading builds the result, which owns the arena from then on
     * @param <T>     the result
     * @return what {@code reading} returned
     * @throws PtsafeException as {@link #open(Path, Reading)}
     */
    public static <T> T open(FileProbe probe, Reading<T> reading) throws PtsafeException {
        if (!probe.inMemory()) {
            return open(probe.path(), reading);
        }
        FileArena arena = new FileArena(Arena.ofShared());
        try {
            return run(probe.path(), inArena(probe.content(), arena), arena, reading);
        } catch (PtsafeException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * What is done with a mapped file whose first bytes were also read into an array.
     *
     * @param <T> the result
     */
    @FunctionalInterface
    public interface ReadingPrefix<T> {
        /**
         * Reads the file.
         *
         * @param file   a read-only segment of the whole file
         * @param arena  the mapping's arena
         * @param prefix the file's first bytes, as many as asked for, read from the file through the channel
         *               the mapping was made from; null when they could not all be read (a shorter file) or
         *               the content is in memory
         * @return the result
         * @throws PtsafeException when the file is refused
         */
        T read(MemorySegment file, Arena arena, byte[] prefix) throws PtsafeException;
    }

    /**
     * {@link #open(FileProbe, Reading)}, and the file's first {@code prefixBytes} read into an array by a
     * positioned read before the channel is closed: a reader of a header then need not touch the mapping
     * (a page fault for each 64 KiB touched, and pages {@code munmap} must then unmap at close).
     *
     * @param probe       the probe a provider recognised
     * @param prefixBytes how many leading bytes to read: 0 for none; the caller bounds it (it is allocated)
     * @param reading     builds the result, which owns the arena from then on
     * @param <T>         the result
     * @return what {@code reading} returned
     * @throws PtsafeException as {@link #open(Path, Reading)}
     */
    public static <T> T open(FileProbe probe, int prefixBytes, ReadingPrefix<T> reading) throws PtsafeException {
        if (probe.inMemory() || prefixBytes <= 0) {
            return open(probe, (file, arena) -> reading.read(file, arena, null));
        }
        Path path = probe.path();
        FileArena arena = new FileArena(Arena.ofShared());
        try {
            byte[][] prefix = new byte[1][];
            MemorySegment file = map(path, arena, prefixBytes, prefix);
            return run(path, file, arena, (f, a) -> reading.read(f, a, prefix[0]));
        } catch (PtsafeException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * {@link #read(Path, Reading)} of what a probe holds: the file it names, or its content in memory.
     *
     * @param probe   the probe a provider recognised
     * @param reading reads the content; it must not keep segments of it
     * @param <T>     the result
     * @return what {@code reading} returned
     * @throws PtsafeException as {@link #open(Path, Reading)}
     */
    public static <T> T read(FileProbe probe, Reading<T> reading) throws PtsafeException {
        if (!probe.inMemory()) {
            return read(probe.path(), reading);
        }
        try (Arena arena = Arena.ofConfined()) {
            return run(probe.path(), inArena(probe.content(), arena), arena, reading);
        }
    }

    /** A native segment read-only as it is; a heap one copied into {@code arena}, page-aligned as a mapping. */
    private static MemorySegment inArena(MemorySegment content, Arena arena) {
        if (content.isNative()) {
            return content.asReadOnly();
        }
        MemorySegment copy = arena.allocate(content.byteSize(), PAGE);
        copy.copyFrom(content);
        return copy.asReadOnly();
    }

    /** The alignment of a copy: a mapping starts on a page. */
    private static final long PAGE = 4096;

    /**
     * Maps {@code path} in a confined arena closed when {@code reading} returns: for reads whose
     * result keeps no segment of the file (scans, indexes, refusals).
     *
     * @param path    the file to map
     * @param reading reads the mapping; it must not keep segments of it
     * @param <T>     the result
     * @return what {@code reading} returned
     * @throws PtsafeException as {@link #open}
     */
    public static <T> T read(Path path, Reading<T> reading) throws PtsafeException {
        try (Arena arena = Arena.ofConfined()) {
            return run(path, arena, reading);
        }
    }

    private static <T> T run(Path path, Arena arena, Reading<T> reading) throws PtsafeException {
        return run(path, map(path, arena), arena, reading);
    }

    private static <T> T run(Path path, MemorySegment file, Arena arena, Reading<T> reading) throws PtsafeException {
        if (arena instanceof FileArena f) {
            f.mapped(file, path);
        }
        try {
            return reading.read(file, arena);
        } catch (InternalError e) {
            throw changed(path, "the file changed or was truncated while it was read", e);
        }
    }

    /**
     * {@return the {@link Reason#FILE_CHANGED} refusal of a fault on mapped memory}
     *
     * @param path  the mapped file
     * @param what  what was being done, e.g. "tensor 'w': the mapped file changed while open"
     * @param fault the JDK's error on touching a page the file no longer backs
     */
    public static PtsafeException changed(Path path, String what, InternalError fault) {
        return new PtsafeException(Reason.FILE_CHANGED, path, what + " (" + fault.getMessage() + ")", fault);
    }

    /**
     * Maps {@code path} read-only into {@code arena}. The mapping outlives the channel, which is
     * closed before returning. An empty file gives an empty segment.
     */
    private static MemorySegment map(Path path, Arena arena) throws PtsafeException {
        return map(path, arena, 0, null);
    }

    /**
     * {@link #map(Path, Arena)}, and when {@code prefixBytes > 0} the first {@code prefixBytes} of the file
     * read through the same channel into {@code prefix[0]} (left null when the file holds fewer).
     */
    private static MemorySegment map(Path path, Arena arena, int prefixBytes, byte[][] prefix) throws PtsafeException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                // Nothing to map; an empty segment of the same arena (not NULL.reinterpret, a restricted
                // method that makes the JDK warn about native access).
                return arena.allocate(0).asReadOnly();
            }
            MemorySegment file = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena).asReadOnly();
            if (prefixBytes > 0 && prefixBytes <= size) {
                ByteBuffer buffer = ByteBuffer.allocate(prefixBytes);
                while (buffer.hasRemaining() && ch.read(buffer, buffer.position()) > 0) {
                    // positioned reads until the prefix is full or the file ends (it was truncated)
                }
                prefix[0] = buffer.hasRemaining() ? null : buffer.array();
            }
            return file;
        } catch (IOException e) {
            throw new PtsafeException(Reason.IO_ERROR, path, "cannot map the file: " + e, e);
        }
    }
}
