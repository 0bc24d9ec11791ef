package io.ptsafe.fuzz;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.FileFormat;
import io.ptsafe.pickle.zip.TorchZipReader;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * The zip oracles themselves: {@link ZipOracle} on a real torch.save file and on one whose comment
 * holds a second archive; the container rule of {@link SafeLoaderFuzzTest}.
 */
class ZipOracleTest {
    private static final Path CONTROL = DifferentialReplayTest.ROOT.resolve("harness/control-state-dict.pt");

    @Test
    void realTorchZipLeadsWherePtsafeReads() throws Exception {
        byte[] b = Files.readAllBytes(CONTROL);
        long offset = dataPkl(b);
        assertDoesNotThrow(() -> ZipOracle.check(b, offset));
        AssertionError e = assertThrows(AssertionError.class, () -> ZipOracle.check(b, offset + 1));
        assertTrue(e.getMessage().contains("data.pkl at byte " + offset), e.getMessage());
    }

    @Test
    void containerAsTorchLoadChoosesIt() throws Exception {
        byte[] zip = Files.readAllBytes(CONTROL);
        byte[] pickle = {(byte) 0x80, 2, 'N', '.'};
        assertDoesNotThrow(() -> SafeLoaderFuzzTest.sameContainerAsTorch(zip, FileFormat.TORCH_ZIP));
        assertDoesNotThrow(() -> SafeLoaderFuzzTest.sameContainerAsTorch(pickle, FileFormat.TORCH_LEGACY));
        assertThrows(AssertionError.class, () -> SafeLoaderFuzzTest.sameContainerAsTorch(zip, FileFormat.TORCH_LEGACY));
        assertThrows(AssertionError.class, () -> SafeLoaderFuzzTest.sameContainerAsTorch(pickle, FileFormat.TORCH_ZIP));
    }

    /**
     * The real end record's comment holds a second archive (data.pkl, version, their central
     * directory and an end record pointing at it) and 3 more bytes. miniz takes that last end
     * record: torch 1.13 loads the hidden pickle ('hidden'), checked with torch.load on the same
     * construction; a reader that wants the end record's comment to end the file takes the real one.
     */
    @Test
    void laterEndRecordInTheCommentWins() throws Exception {
        byte[] real = Files.readAllBytes(CONTROL);
        int eocd = real.length - 22;
        String root = root(real);
        byte[] hidden = {(byte) 0x80, 2, 'X', 6, 0, 0, 0, 'h', 'i', 'd', 'd', 'e', 'n', '.'};
        byte[] version = {'3', '\n'};
        int base = real.length;
        ByteArrayOutputStream comment = new ByteArrayOutputStream();
        byte[] pklName = (root + "/data.pkl").getBytes(StandardCharsets.UTF_8);
        byte[] versionName = (root + "/version").getBytes(StandardCharsets.UTF_8);
        int pklAt = base;
        comment.write(local(pklName, hidden));
        int versionAt = base + comment.size();
        comment.write(local(versionName, version));
        int cdAt = base + comment.size();
        byte[] cd1 = central(pklName, hidden, pklAt);
        byte[] cd2 = central(versionName, version, versionAt);
        comment.write(cd1);
        comment.write(cd2);
        comment.write(le().putInt(0x06054b50).putShort((short) 0).putShort((short) 0).putShort((short) 2)
                .putShort((short) 2).putInt(cd1.length + cd2.length).putInt(cdAt).putShort((short) 0).array(), 0, 22);
        comment.write(new byte[] {'x', 'y', 'z'});      // the real end record's comment goes on: only it ends the file
        byte[] b = Arrays.copyOf(real, real.length + comment.size());
        b[eocd + 20] = (byte) comment.size();
        b[eocd + 21] = (byte) (comment.size() >> 8);
        System.arraycopy(comment.toByteArray(), 0, b, real.length, comment.size());

        long hiddenData = pklAt + 30 + pklName.length;
        assertDoesNotThrow(() -> ZipOracle.check(b, hiddenData));
        long first = dataPkl(real);
        AssertionError e = assertThrows(AssertionError.class, () -> ZipOracle.check(b, first));
        assertTrue(e.getMessage().contains("leads to " + root + "/data.pkl at byte " + hiddenData), e.getMessage());
    }

    private static long dataPkl(byte[] b) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            return TorchZipReader.dataPickleOffset(CONTROL, MemorySegment.ofArray(b).asReadOnly(), arena, Hostile.OPTIONS);
        }
    }

    private static String root(byte[] b) {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int cd = bb.getInt(b.length - 6);
        int n = bb.getShort(cd + 28) & 0xffff;
        String first = new String(b, cd + 46, n, StandardCharsets.UTF_8);
        return first.substring(0, first.indexOf('/'));
    }

    private static byte[] local(byte[] name, byte[] data) {
        ByteBuffer h = ByteBuffer.allocate(30 + name.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x04034b50).putShort((short) 20).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putInt(crc(data)).putInt(data.length).putInt(data.length)
                .putShort((short) name.length).putShort((short) 0).put(name).put(data);
        return h.array();
    }

    private static byte[] central(byte[] name, byte[] data, int localAt) {
        ByteBuffer h = ByteBuffer.allocate(46 + name.length).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0x02014b50).putShort((short) 20).putShort((short) 20).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putShort((short) 0).putInt(crc(data)).putInt(data.length).putInt(data.length)
                .putShort((short) name.length).putShort((short) 0).putShort((short) 0).putShort((short) 0)
                .putShort((short) 0).putInt(0).putInt(localAt).put(name);
        return h.array();
    }

    private static ByteBuffer le() {
        return ByteBuffer.allocate(22).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int crc(byte[] data) {
        CRC32 c = new CRC32();
        c.update(data);
        return (int) c.getValue();
    }
}
