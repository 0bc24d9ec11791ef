package io.ptsafe.safetensors.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every prefix of a valid file, and every prefix of its header, is refused cleanly: a PtsafeException and nothing else. */
class TruncationTest {
    @TempDir
    Path dir;

    @Test
    void everyTruncationOfAFileIsRefused() throws IOException {
        // small enough to try every length twice quickly; zero-size tensors end it, so cuts land on every kind of byte
        byte[] whole = Files.readAllBytes(TestFiles.RESOURCES.resolve("zero_size_and_scalar.safetensors"));
        Path p = dir.resolve("cut.safetensors");
        Set<Reason> viaLoader = EnumSet.of(Reason.UNKNOWN_FORMAT, Reason.INVALID_HEADER_LENGTH,
                Reason.METADATA_INCOMPLETE_BUFFER);
        Set<Reason> direct = EnumSet.of(Reason.HEADER_TOO_SMALL, Reason.INVALID_HEADER_LENGTH,
                Reason.METADATA_INCOMPLETE_BUFFER);
        for (int length = 0; length < whole.length; length++) {
            Files.write(p, Arrays.copyOf(whole, length));
            PtsafeException e = assertThrows(PtsafeException.class, () -> SafeLoader.open(p).close());
            assertTrue(viaLoader.contains(e.reason()), length + ": " + e);
            if (e.reason() == Reason.UNKNOWN_FORMAT) { // too short to recognise: what would opening it say?
                PtsafeException d = assertThrows(PtsafeException.class,
                        () -> TestFiles.openDirect(p, LoadOptions.defaults()).close());
                assertTrue(direct.contains(d.reason()), length + ": " + d);
            }
        }
        Files.write(p, whole);
        SafeLoader.open(p).close();
    }

    /**
     * The header cut short, its length field saying so: exercises the JSON reader on every prefix.
     * In memory, through the reader the provider uses, to stay fast.
     */
    @Test
    void everyTruncationOfTheHeaderIsRefused() throws IOException {
        byte[] whole = Files.readAllBytes(TestFiles.RESOURCES.resolve("all_dtypes.safetensors"));
        int n = (int) ByteBuffer.wrap(whole).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        byte[] header = Arrays.copyOfRange(whole, 8, 8 + n);
        Path p = dir.resolve("in-memory.safetensors");
        for (int k = 0; k < n; k++) {
            MemorySegment bytes = MemorySegment.ofArray(TestFiles.raw(Arrays.copyOf(header, k), new byte[0]));
            try (Arena arena = Arena.ofConfined()) {
                PtsafeException e = assertThrows(PtsafeException.class,
                        () -> SafetensorsReader.read(p, bytes, arena, LoadOptions.defaults()), "prefix " + k);
                assertEquals(p, e.file());
            }
        }
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(22, SafetensorsReader.read(p, MemorySegment.ofArray(whole), arena, LoadOptions.defaults())
                    .tensors().size());
        }
    }
}
