package io.ptsafe.scan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ptsafe.Limit;
import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link UploadScanner}: only SAFE uploads are kept, under their SHA-256; nothing else is left, on any path. */
class UploadScannerTest {
    static final Path ROOT = Path.of("..");
    static final Path GOOD = ROOT.resolve("samples/mlp.pt");
    static final Path GOOD_SAFETENSORS = ROOT.resolve("ptsafe-safetensors/src/test/resources/safetensors/djl.safetensors");
    static final Path MALICIOUS = ROOT.resolve("ptsafe-pickle/src/test/resources/torch/malicious/zip_os_system_reduce.pt");
    static final long CAP = 64 * 1024;

    @TempDir
    Path dir;
    Path quarantine;
    Path store;
    UploadScanner scanner;

    @BeforeEach
    void create() throws IOException {
        quarantine = dir.resolve("quarantine");
        store = dir.resolve("store");
        scanner = UploadScanner.create(quarantine, store, LoadOptions.builder().maxStreamBytes(CAP).build());
    }

    @Test
    void aSafeUploadIsMovedIntoTheStoreUnderItsSha256OwnerOnly() throws Exception {
        byte[] model = Files.readAllBytes(GOOD);
        UploadScanner.Upload u = scanner.scan(new ByteArrayInputStream(model), "client name.pt");
        assertEquals(ScanReport.Verdict.SAFE, u.verdict(), u.report()::toString);
        assertEquals(Path.of("client name.pt"), u.report().path());
        assertEquals(sha256(model), u.sha256());
        assertEquals(model.length, u.size());
        assertEquals(Optional.of(store.resolve(sha256(model))), u.stored());
        assertArrayEquals(model, Files.readAllBytes(u.stored().orElseThrow()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(u.stored().orElseThrow())));
        assertEquals(List.of(), list(quarantine));
    }

    @Test
    void theSameContentTwiceIsKeptOnce() throws Exception {
        byte[] model = Files.readAllBytes(GOOD);
        UploadScanner.Upload first = scanner.scan(new ByteArrayInputStream(model), "a.pt");
        UploadScanner.Upload second = scanner.scan(new ByteArrayInputStream(model), "b.pt");
        assertEquals(first.stored(), second.stored());
        assertEquals(List.of(first.stored().orElseThrow()), list(store));
        assertArrayEquals(model, Files.readAllBytes(first.stored().orElseThrow()));
        assertEquals(List.of(), list(quarantine));
    }

    @Test
    void aMaliciousUploadIsUnsafeAndDeleted() throws Exception {
        UploadScanner.Upload u = scanner.scan(Files.newInputStream(MALICIOUS), "evil.pt");
        assertEquals(ScanReport.Verdict.UNSAFE, u.verdict());
        assertTrue(u.report().toString().contains("evil.pt"), u.report()::toString);
        assertTrue(u.report().globals().stream().anyMatch(g -> "posix.system".equals(g.resolved())), u.report()::toString);
        assertEquals(Optional.empty(), u.stored());
        assertEquals(List.of(), list(store));
        assertEquals(List.of(), list(quarantine));
    }

    @Test
    void aShardedIndexUploadedAloneIsInvalid() throws Exception {
        Path index = ROOT.resolve("ptsafe-safetensors/src/test/resources/safetensors/sharded/model.safetensors.index.json");
        UploadScanner.Upload u = scanner.scan(Files.newInputStream(index), "model.safetensors.index.json");
        assertEquals(ScanReport.Verdict.INVALID, u.verdict());
        assertEquals(ScanRule.UNSUPPORTED_FORMAT, u.report().findings().getFirst().rule());
        assertEquals(List.of(), list(store));
        assertEquals(List.of(), list(quarantine));
    }

    @Test
    void anOversizeUploadIsRefusedNamingTheSettingAndDeleted() throws IOException {
        CountingStream in = new CountingStream(new ByteArrayInputStream(new byte[(int) CAP * 4]));
        LimitExceededException e = assertThrows(LimitExceededException.class, () -> scanner.scan(in, "big.pt"));
        assertSame(Limit.MAX_STREAM_BYTES, e.limitKind());
        assertEquals("maxStreamBytes", e.setting());
        assertEquals(CAP, e.limit());
        assertTrue(e.getMessage().startsWith("big.pt: "), e.getMessage());
        assertEquals(CAP + 1, in.read, "one byte past the cap is read, no more");
        assertEquals(CAP + 1, e.value());
        assertEquals(List.of(), list(quarantine));
        assertEquals(List.of(), list(store));
    }

    @Test
    void anUploadOfExactlyTheCapIsScanned() throws IOException {
        UploadScanner.Upload u = scanner.scan(new ByteArrayInputStream(new byte[(int) CAP]), "zeros");
        assertEquals(ScanReport.Verdict.INVALID, u.verdict());
        assertEquals(CAP, u.size());
        assertEquals(List.of(), list(quarantine));
    }

    @Test
    void aClientThatDisconnectsMidwayLeavesNothing() throws IOException {
        byte[] model = Files.readAllBytes(GOOD);
        IOException reset = new IOException("Connection reset");
        InputStream in = new SequenceInputStream(new ByteArrayInputStream(model, 0, model.length / 2), new InputStream() {
            @Override
            public int read() throws IOException {
                throw reset;
            }
        });
        assertSame(reset, assertThrows(IOException.class, () -> scanner.scan(in, "half.pt")));
        assertEquals(List.of(), list(quarantine));
        assertEquals(List.of(), list(store));
    }

    @Test
    void aFullDiskLeavesNothing() throws IOException {
        UploadScanner full = new UploadScanner(quarantine, store, LoadOptions.defaults(),
                f -> new FailingChannel(FileChannel.open(f, StandardOpenOption.WRITE), 1000));
        IOException e = assertThrows(IOException.class, () -> full.scan(Files.newInputStream(GOOD), "mlp.pt"));
        assertEquals("No space left on device", e.getMessage());
        assertEquals(List.of(), list(quarantine));
        assertEquals(List.of(), list(store));
    }

    /**
     * A real full disk: run with {@code -Dptsafe.test.smallfs=DIR}, DIR a small file system (as root:
     * {@code mount -t tmpfs -o size=1m tmpfs DIR}); skipped otherwise.
     */
    @Test
    void aRealFullDiskLeavesNothing() throws IOException {
        String small = System.getProperty("ptsafe.test.smallfs");
        assumeTrue(small != null, "no small file system given (-Dptsafe.test.smallfs)");
        Path fs = Files.createTempDirectory(Path.of(small), "upload-test-");
        UploadScanner onSmall = UploadScanner.create(fs.resolve("q"), fs.resolve("s"), LoadOptions.defaults());
        long free = Files.getFileStore(fs).getUsableSpace();
        InputStream endless = new InputStream() {
            long left = free + (4 << 20);

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int n = (int) Math.min(len, left);
                left -= n;
                return n <= 0 ? -1 : n;
            }
        };
        IOException e = assertThrows(IOException.class, () -> onSmall.scan(endless, "huge"));
        assertTrue(e.getMessage().contains("No space left on device"), e::toString);
        assertEquals(List.of(), list(fs.resolve("q")));
        assertEquals(List.of(), list(fs.resolve("s")));
    }

    @Test
    void theQuarantineFileIsOwnerOnlyWhileItIsWritten() throws IOException {
        AtomicReference<String> seen = new AtomicReference<>();
        InputStream in = new SequenceInputStream(new ByteArrayInputStream(new byte[100]), new InputStream() {
            @Override
            public int read() throws IOException {
                List<Path> files = list(quarantine);
                assertEquals(1, files.size(), files::toString);
                assertTrue(files.getFirst().getFileName().toString().matches("upload-.*\\.part"), files::toString);
                seen.set(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.getFirst())));
                return -1;
            }
        });
        scanner.scan(in, "x");
        assertEquals("rw-------", seen.get());
        assertEquals(List.of(), list(quarantine));
    }

    /** 32 uploads at once: good, malicious, oversize, cut short; exactly the SAFE ones are kept. */
    @Test
    void concurrentUploadsKeepExactlyTheSafeOnes() throws Exception {
        byte[] good = Files.readAllBytes(GOOD);
        byte[] goodSafetensors = Files.readAllBytes(GOOD_SAFETENSORS);
        byte[] bad = Files.readAllBytes(MALICIOUS);
        Set<String> expected = new TreeSet<>(List.of(sha256(good), sha256(goodSafetensors)));
        List<Callable<String>> uploads = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            int kind = i % 4;
            uploads.add(() -> switch (kind) {
                case 0 -> scanner.scan(new ByteArrayInputStream(alternate(good, goodSafetensors)), "good").verdict().name();
                case 1 -> scanner.scan(new ByteArrayInputStream(bad), "bad").verdict().name();
                case 2 -> {
                    try {
                        scanner.scan(new ByteArrayInputStream(new byte[(int) CAP + 1]), "big");
                        yield "kept";
                    } catch (LimitExceededException e) {
                        yield "too large";
                    }
                }
                default -> {
                    try {
                        scanner.scan(new SequenceInputStream(new ByteArrayInputStream(good, 0, 300), new InputStream() {
                            @Override
                            public int read() throws IOException {
                                throw new IOException("Connection reset");
                            }
                        }), "cut");
                        yield "kept";
                    } catch (IOException e) {
                        yield "cut";
                    }
                }
            });
        }
        ExecutorService pool = Executors.newFixedThreadPool(32);
        List<String> results = new ArrayList<>();
        try {
            for (Future<String> f : pool.invokeAll(uploads)) {
                results.add(f.get());
            }
        } finally {
            pool.shutdown();
        }
        for (int i = 0; i < 32; i++) {
            assertEquals(List.of("SAFE", "UNSAFE", "too large", "cut").get(i % 4), results.get(i), "upload " + i);
        }
        Set<String> kept = new TreeSet<>();
        for (Path p : list(store)) {
            kept.add(p.getFileName().toString());
        }
        assertEquals(expected, kept);
        assertEquals(List.of(), list(quarantine));
    }

    private static int turn;

    /** Alternates between the two good files. */
    private static synchronized byte[] alternate(byte[] a, byte[] b) {
        return turn++ % 2 == 0 ? a : b;
    }

    @Test
    void leftoversOfACrashAreDeleted() throws IOException {
        Files.writeString(quarantine.resolve("upload-123.part"), "half");
        Files.writeString(quarantine.resolve("other"), "not ours");
        assertEquals(1, scanner.deleteLeftovers());
        assertEquals(List.of(quarantine.resolve("other")), list(quarantine));
    }

    @Test
    void callerMistakesAreUnchecked() {
        assertThrows(IllegalArgumentException.class, () -> UploadScanner.create(dir, dir, LoadOptions.defaults()));
        assertThrows(IllegalArgumentException.class, () -> scanner.scan(InputStream.nullInputStream(), ""));
        assertThrows(IllegalArgumentException.class, () -> scanner.scan(InputStream.nullInputStream(), "a\0b"));
        assertThrows(NullPointerException.class, () -> scanner.scan(null, "x"));
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static List<Path> list(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.sorted().toList();
        }
    }

    /** Counts what was read. */
    static final class CountingStream extends java.io.FilterInputStream {
        long read;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            read += Math.max(0, n);
            return n;
        }
    }
}
