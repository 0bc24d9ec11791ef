package io.ptsafe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;

/**
 * This module's tests have no provider on their class path: a file of a format ptsafe reads is
 * refused naming the artifact that reads it.
 */
class MissingProviderTest {
    private static final String PICKLE = "io.ptsafe:ptsafe-pickle";
    private static final String SAFETENSORS = "io.ptsafe:ptsafe-safetensors";

    @TempDir
    Path tmp;

    private static void assertNamed(Path p, String artifact) {
        PtsafeException e = assertThrows(PtsafeException.class, () -> SafeLoader.open(p));
        assertEquals(Reason.MISSING_PROVIDER, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(artifact), e.getMessage());
        ScanReport r = SafeLoader.scan(p);
        assertEquals(ScanReport.Verdict.INVALID, r.verdict());
        assertEquals(ScanRule.UNKNOWN_FORMAT, r.findings().getFirst().rule());
        assertTrue(r.findings().getFirst().message().contains(artifact), r.findings().getFirst().message());
    }

    @Test
    void torchZipNeedsThePickleModule() throws IOException {
        byte[] zip = new byte[64];
        zip[0] = 'P';
        zip[1] = 'K';
        zip[2] = 3;
        zip[3] = 4;
        assertNamed(Files.write(tmp.resolve("model.pt"), zip), PICKLE);
    }

    @Test
    void legacyAndBarePicklesNeedThePickleModule() throws IOException {
        // torch's legacy format: PROTO 2, then the magic number as a LONG1
        byte[] legacy = {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
            (byte) 0xa8, 0x50, 0x19, 0x2e};
        assertNamed(Files.write(tmp.resolve("old.bin"), legacy), PICKLE);
        assertNamed(Files.write(tmp.resolve("p.pkl"), new byte[] {(byte) 0x80, 4, 'N', '.'}), PICKLE);
    }

    @Test
    void safetensorsNeedsTheSafetensorsModule() throws IOException {
        byte[] header = "  {\"__metadata__\":{}}".getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        assertNamed(Files.write(tmp.resolve("x.safetensors"), b.array()), SAFETENSORS);
    }

    @Test
    void shardedIndexesNeedTheSafetensorsModule() throws IOException {
        Path index = Files.writeString(tmp.resolve("model.safetensors.index.json"),
                "{\"metadata\": {}, \"weight_map\": {\"w\": \"model-00001-of-00001.safetensors\"}}");
        assertNamed(index, SAFETENSORS);
        assertNamed(tmp, SAFETENSORS);
    }

    @Test
    void otherBytesStayUnknown() throws IOException {
        Path p = Files.writeString(tmp.resolve("config.json"), "{\"hidden_size\": 8}");
        assertEquals(Reason.UNKNOWN_FORMAT, assertThrows(PtsafeException.class, () -> SafeLoader.open(p)).reason());
        // a header length larger than the file is no safetensors file
        byte[] b = new byte[16];
        b[0] = 100;
        b[8] = '{';
        Path q = Files.write(tmp.resolve("short"), b);
        assertEquals(Reason.UNKNOWN_FORMAT, assertThrows(PtsafeException.class, () -> SafeLoader.open(q)).reason());
    }
}
