package io.ptsafe.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.Limit;
import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import io.ptsafe.scan.ScanReport;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SafeLoader#scan(InputStream, String, LoadOptions)} and opening bytes: the limit, a stream
 * failing midway, and no temporary file left on any path ({@code java.io.tmpdir} pointed at a folder
 * of the test's own, which the scan reads on each call).
 */
class StreamScanTest {
    private static final Path MLP = Path.of("../samples/mlp.pt");
    private static final Path INDEX = Path.of(
            "../ptsafe-safetensors/src/test/resources/safetensors/sharded/model.safetensors.index.json");

    @TempDir
    Path tmp;
    private String saved;

    @BeforeEach
    void ownTemporaryFolder() {
        saved = System.getProperty("java.io.tmpdir");
        System.setProperty("java.io.tmpdir", tmp.toString());
    }

    @AfterEach
    void restore() throws IOException {
        System.setProperty("java.io.tmpdir", saved);
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(), s.toList(), "no temporary file is left");
        }
    }

    @Test
    void aStreamIsScannedUnderItsName() throws IOException {
        ScanReport r = SafeLoader.scan(Files.newInputStream(MLP), "upload.pt");
        assertEquals(ScanReport.Verdict.SAFE, r.verdict(), r::toString);
        assertEquals(Path.of("upload.pt"), r.path());
        assertEquals(SafeLoader.scan(MLP).tensors(), r.tensors());
    }

    @Test
    void aStreamOverTheLimitIsRefusedNamingTheSetting() {
        LoadOptions small = LoadOptions.builder().maxStreamBytes(1000).build();
        LimitExceededException e = assertThrows(LimitExceededException.class,
                () -> SafeLoader.scan(Files.newInputStream(MLP), "upload.pt", small));
        assertSame(Limit.MAX_STREAM_BYTES, e.limitKind());
        assertEquals(Reason.TOO_LARGE, e.reason());
        assertEquals("upload.pt: bytes read from the stream (not read further): 1001 is over the limit of 1000"
                + " (LoadOptions.maxStreamBytes) [TOO_LARGE]", e.getMessage());
    }

    @Test
    void aStreamOfExactlyTheLimitIsScanned() throws IOException {
        long size = Files.size(MLP);
        ScanReport r = SafeLoader.scan(Files.newInputStream(MLP), "upload.pt",
                LoadOptions.builder().maxStreamBytes(size).build());
        assertEquals(ScanReport.Verdict.SAFE, r.verdict());
    }

    @Test
    void aStreamThatFailsMidwayThrowsItsOwnException() throws IOException {
        byte[] model = Files.readAllBytes(MLP);
        IOException reset = new IOException("Connection reset");
        InputStream in = new SequenceInputStream(new ByteArrayInputStream(model, 0, 1000), new InputStream() {
            @Override
            public int read() throws IOException {
                throw reset;
            }
        });
        assertSame(reset, assertThrows(IOException.class, () -> SafeLoader.scan(in, "upload.pt")));
    }

    @Test
    void anEmptyStreamIsAnInvalidReport() throws IOException {
        ScanReport r = SafeLoader.scan(InputStream.nullInputStream(), "empty");
        assertEquals(ScanReport.Verdict.INVALID, r.verdict());
        assertEquals(SafeLoader.scan(Files.createFile(tmp.resolve("empty-file")), LoadOptions.defaults()).findings()
                .toString().replace(tmp.resolve("empty-file").toString(), "empty"), r.findings().toString());
        Files.delete(tmp.resolve("empty-file"));
    }

    @Test
    void aShardedIndexInMemoryIsRefusedClearly() throws IOException {
        byte[] index = Files.readAllBytes(INDEX);
        PtsafeException e = assertThrows(PtsafeException.class, () -> SafeLoader.open(index, "index.json"));
        assertEquals(Reason.UNSUPPORTED_FORMAT, e.reason());
        assertTrue(e.getMessage().startsWith("index.json: a sharded checkpoint index: its shards are files beside it"),
                e.getMessage());
        ScanReport r = SafeLoader.scan(new ByteArrayInputStream(index), "index.json");
        assertEquals(ScanReport.Verdict.INVALID, r.verdict());
        assertEquals(e.getMessage(), "index.json: " + r.findings().getFirst().message());
    }

    @Test
    void theArrayIsCopiedSoLaterWritesChangeNothing() throws IOException {
        byte[] model = Files.readAllBytes(MLP);
        try (TensorFile f = SafeLoader.open(model, "mlp.pt"); TensorFile file = SafeLoader.open(MLP)) {
            java.util.Arrays.fill(model, (byte) 0x55);
            for (var t : file.tensors()) {
                assertArrayEquals(t.data().toArray(ValueLayout.JAVA_BYTE),
                        f.tensor(t.name()).data().toArray(ValueLayout.JAVA_BYTE), t.name());
            }
        }
    }

    @Test
    void callerMistakesAreUnchecked() {
        assertThrows(IllegalArgumentException.class, () -> SafeLoader.open(new byte[8], ""));
        assertThrows(IllegalArgumentException.class, () -> SafeLoader.scan(InputStream.nullInputStream(), "a\0b"));
        assertThrows(NullPointerException.class, () -> SafeLoader.open((byte[]) null, "x"));
        assertThrows(NullPointerException.class, () -> SafeLoader.scan((InputStream) null, "x"));
    }
}
