package io.ptsafe.safetensors.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import java.io.IOException;
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
            PtsafeException d = assertThrows(PtsafeException.class,
                    () -> TestFiles.openDirect(p, LoadOptions.defaults()).close());
            assertTrue(direct.contains(d.reason()), length + ": " + d);
        }
        Files.write(p, whole);
        SafeLoader.open(p).close();
    }

    /** The header cut short, its length field saying so: exercises the JSON reader on every prefix. */
    @Test
    void everyTruncationOfTheHeaderIsRefused() throws IOException {
        byte[] whole = Files.readAllBytes(TestFiles.RESOURCES.resolve("all_dtypes.safetensors"));
        int n = (int) ByteBuffer.wrap(whole).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        byte[] header = Arrays.copyOfRange(whole, 8, 8 + n);
        Path p = dir.resolve("cut-header.safetensors");
        int refused = 0;
        for (int k = 0; k < n; k++) {
            Files.write(p, TestFiles.raw(Arrays.copyOf(header, k), new byte[0]));
            try {
                TestFiles.openDirect(p, LoadOptions.defaults()).close();
                // a prefix ending at the closing '}' followed by padding is a complete header
                assertTrue(new String(header, 0, k, java.nio.charset.StandardCharsets.UTF_8).strip().endsWith("}"), "prefix " + k);
                throw new AssertionError("prefix " + k + " holds tensors but no data, yet was accepted");
            } catch (PtsafeException e) {
                refused++;
            }
        }
        assertEquals(n, refused);
    }
}
