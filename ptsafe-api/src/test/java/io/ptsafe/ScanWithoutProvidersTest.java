package io.ptsafe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.scan.ScanReport.Verdict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;

/**
 * What SafeLoader.scan and open decide before any provider is asked (ptsafe-api's tests run with
 * none installed): tar, numpy, unreadable and unknown files.
 */
class ScanWithoutProvidersTest {
    private static final Path DIR = Path.of("src", "test", "resources", "containers");

    @TempDir
    Path tmp;

    /** Tars written by Python's tarfile and GNU tar (v7 has no magic: only the checksum tells). */
    @ParameterizedTest
    @ValueSource(strings = {"ustar.tar", "gnu.tar", "pax.tar", "v7.tar"})
    void tarIsRecognisedAndRefused(String name) {
        ScanReport r = SafeLoader.scan(DIR.resolve(name));
        assertEquals(ContainerKind.TAR, r.container());
        assertEquals(Verdict.INVALID, r.verdict());
        assertEquals(ScanRule.UNSUPPORTED_FORMAT, r.findings().getFirst().rule());
        assertTrue(r.findings().getFirst().message().contains("CVE-2025-32434"), r.findings().getFirst().message());
        PtsafeException e = assertThrows(PtsafeException.class, () -> SafeLoader.open(DIR.resolve(name)));
        assertEquals(Reason.UNSUPPORTED_FORMAT, e.reason());
    }

    /** Python's tarfile refuses a header with a wrong checksum, so torch would not take it for a tar. */
    @Test
    void aBadChecksumIsNoTar() {
        ScanReport r = SafeLoader.scan(DIR.resolve("bad-checksum.tar"));
        assertEquals(ContainerKind.UNKNOWN, r.container());
        assertEquals(ScanRule.UNKNOWN_FORMAT, r.findings().getFirst().rule());
    }

    @Test
    void zerosAreNoTar() throws IOException {
        Path p = Files.write(tmp.resolve("zeros"), new byte[1024]);
        assertEquals(ContainerKind.UNKNOWN, SafeLoader.scan(p).container());
    }

    /** Without ptsafe-pickle, whose provider reads .npy, a numpy array names the artifact to add. */
    @Test
    void numpyArrays() {
        ScanReport floats = SafeLoader.scan(DIR.resolve("floats.npy"));
        assertEquals(Verdict.INVALID, floats.verdict());
        assertTrue(floats.findings().getFirst().message().contains("'<f4'"), floats.findings().getFirst().message());
        assertTrue(floats.findings().getFirst().message().contains("ptsafe-pickle"));
        ScanReport objects = SafeLoader.scan(DIR.resolve("objects.npy"));
        assertTrue(objects.findings().getFirst().message().contains("allow_pickle"));
        assertEquals(Reason.MISSING_PROVIDER,
                assertThrows(PtsafeException.class, () -> SafeLoader.open(DIR.resolve("floats.npy"))).reason());
    }

    @Test
    void unknownBytes() throws IOException {
        Path p = Files.writeString(tmp.resolve("config.json"), "{\"hidden_size\": 8}");
        ScanReport r = SafeLoader.scan(p);
        assertEquals(ContainerKind.UNKNOWN, r.container());
        assertEquals(Verdict.INVALID, r.verdict());
        assertEquals(ScanRule.UNKNOWN_FORMAT, r.findings().getFirst().rule());
        assertTrue(r.findings().getFirst().message().contains("7b2268"), r.findings().getFirst().message());
    }

    @Test
    void missingFileAndFolder() {
        ScanReport missing = SafeLoader.scan(tmp.resolve("nope.pt"));
        assertEquals(Verdict.INVALID, missing.verdict());
        assertEquals(ScanRule.IO_ERROR, missing.findings().getFirst().rule());
        assertFalse(missing.complete());
        ScanReport folder = SafeLoader.scan(tmp);
        assertEquals(ScanRule.UNKNOWN_FORMAT, folder.findings().getFirst().rule());
    }

    @Test
    void nullIsAProgrammingError() {
        assertThrows(NullPointerException.class, () -> SafeLoader.scan(null));
        assertThrows(NullPointerException.class, () -> SafeLoader.scan(tmp, null));
    }

    /** A zip local header at byte 0 wins over a valid tar checksum, as in torch.load (zip first). */
    @Test
    void zipMagicIsNeverTar() throws IOException {
        byte[] head = Files.readAllBytes(DIR.resolve("ustar.tar"));
        head[0] = 'P';
        head[1] = 'K';
        head[2] = 3;
        head[3] = 4;
        Arrays.fill(head, 148, 156, (byte) ' ');
        int sum = 0;
        for (int i = 0; i < 512; i++) {
            sum += head[i] & 0xff;
        }
        byte[] field = String.format("%06o\0 ", sum).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(field, 0, head, 148, 8);
        assertTrue(io.ptsafe.spi.TarHeader.checksumValid(head));
        assertEquals(null, Containers.unloadable(io.ptsafe.spi.FileProbe.of(Files.write(tmp.resolve("z"), head))));
    }

    /** The checksum field as Python's int(text, 8) reads it: sign, 0o prefix, underscores, spaces. */
    @Test
    void checksumFieldsReadAsPythonReadsThem() throws IOException {
        byte[] tar = Files.readAllBytes(DIR.resolve("ustar.tar"));
        long sum = 8 * ' ';
        for (int i = 0; i < 512; i++) {
            sum += i < 148 || i >= 156 ? tar[i] & 0xff : 0;
        }
        String octal = Long.toOctalString(sum);
        for (String field : new String[] {octal, " " + octal + "\t", "0o" + octal, "+" + octal,
                octal.charAt(0) + "_" + octal.substring(1)}) {
            assertTrue(io.ptsafe.spi.TarHeader.checksumValid(withField(tar, field)), field);
        }
        for (String field : new String[] {octal + "_", "_" + octal, "0o_" + octal.substring(1) + "8", "-" + octal,
                octal.substring(1)}) {
            assertFalse(io.ptsafe.spi.TarHeader.checksumValid(withField(tar, field)), field);
        }
    }

    private static byte[] withField(byte[] tar, String field) {
        byte[] h = tar.clone();
        Arrays.fill(h, 148, 156, (byte) 0);
        byte[] f = field.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(f, 0, h, 148, Math.min(8, f.length));
        return h;
    }
}
