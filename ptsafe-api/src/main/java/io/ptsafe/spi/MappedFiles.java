package io.ptsafe.spi;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Maps whole files read-only into an arena: one mapping per file, unmapped when the arena closes. */
public final class MappedFiles {
    private MappedFiles() {
    }

    /**
     * Maps {@code path} read-only into {@code arena}. The mapping outlives the channel, which is
     * closed before returning. An empty file gives an empty segment.
     *
     * @param path  the file to map
     * @param arena owns the mapping: closing it unmaps the file
     * @return a read-only segment of the whole file
     * @throws PtsafeException of {@link Reason#IO_ERROR} when the file cannot be opened or mapped
     */
    public static MemorySegment map(Path path, Arena arena) throws PtsafeException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) {
                // Nothing to map; an empty segment of the same arena (not NULL.reinterpret, a restricted
                // method that makes the JDK warn about native access).
                return arena.allocate(0).asReadOnly();
            }
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena).asReadOnly();
        } catch (IOException e) {
            throw new PtsafeException(Reason.IO_ERROR, path, "cannot map the file: " + e, e);
        }
    }
}
