package io.ptsafe.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link MappedFiles#open(FileProbe, int, MappedFiles.ReadingPrefix)}: the mapping and the first bytes read with it. */
class MappedFilesTest {
    @TempDir
    Path dir;

    @Test
    void prefixIsTheFilesFirstBytesAndTheMappingTheWholeFile() throws Exception {
        byte[] bytes = new byte[10_000];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31 + 7);
        }
        Path file = Files.write(dir.resolve("f.bin"), bytes);
        FileProbe probe = FileProbe.of(file);
        for (int n : new int[] {1, 8, 4096, 5000, 10_000}) {
            byte[][] seen = new byte[2][];
            MappedFiles.open(probe, n, (f, a, prefix) -> {
                seen[0] = prefix;
                seen[1] = f.toArray(ValueLayout.JAVA_BYTE);
                return a;
            }).close();
            assertArrayEquals(Arrays.copyOf(bytes, n), seen[0], "prefix of " + n);
            assertArrayEquals(bytes, seen[1], "mapping with a prefix of " + n);
        }
        // a refusal closes the arena, as open(probe, reading) does
        MemorySegment[] mapped = new MemorySegment[1];
        assertThrows(PtsafeException.class, () -> MappedFiles.open(probe, 8, (f, a, prefix) -> {
            mapped[0] = f;
            throw new PtsafeException(Reason.INVALID_HEADER, file, "no");
        }));
        assertFalse(mapped[0].scope().isAlive());
        // more than the file holds, none asked for, content in memory: no prefix
        for (int n : new int[] {10_001, 0}) {
            byte[][] seen = new byte[1][];
            MappedFiles.open(probe, n, (f, a, prefix) -> {
                seen[0] = prefix;
                return a;
            }).close();
            assertNull(seen[0], "prefix of " + n);
        }
        byte[][] seen = new byte[2][];
        MappedFiles.open(FileProbe.of(file, MemorySegment.ofArray(bytes)), 100, (f, a, prefix) -> {
            seen[0] = prefix;
            seen[1] = f.toArray(ValueLayout.JAVA_BYTE);
            return a;
        }).close();
        assertNull(seen[0], "in memory");
        assertEquals(bytes.length, seen[1].length);
    }
}
