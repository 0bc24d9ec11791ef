package io.ptsafe.pickle.zip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.Fixtures;
import io.ptsafe.pickle.TorchZips;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The zip container's rules on archives rewritten from a real checkpoint with java.util.zip. */
class ZipRulesTest {
    static final Path LINEAR = Fixtures.REAL.resolve("linear.pt");

    @TempDir
    Path dir;

    static Map<String, byte[]> linear() throws Exception {
        return TorchZips.entries(LINEAR);
    }

    static PtsafeException refused(Path file, LoadOptions options) {
        return assertThrows(PtsafeException.class, () -> {
            try (TensorFile f = TorchZipReader.open(file, options)) {
                f.tensors();
            }
        });
    }

    static void loads(Path file, LoadOptions options) throws Exception {
        try (TensorFile f = TorchZipReader.open(file, options)) {
            Fixtures.assertMatches(f, Fixtures.REAL.resolve("linear.expected.json"));
        }
    }

    @Test
    void rewrittenStoredAndDeflatedLoad() throws Exception {
        loads(TorchZips.write(dir.resolve("s.pt"), linear(), false), LoadOptions.defaults());
        loads(TorchZips.write(dir.resolve("d.pt"), linear(), true), LoadOptions.defaults());
    }

    /**
     * Names a file can choose to share one String hash ("b!" and "a@" hash alike, so every string of
     * such blocks does): told apart only by comparing them, n of them would cost n * n / 2 comparisons.
     * At most {@link ZipArchive#MAX_SAME_HASH} may share one hash; one more is refused.
     */
    @Test
    void entryNamesSharingOneHashAreBounded() throws Exception {
        for (int extra : new int[] {ZipArchive.MAX_SAME_HASH, ZipArchive.MAX_SAME_HASH + 1}) {
            Map<String, byte[]> e = new LinkedHashMap<>(linear());
            String root = e.keySet().iterator().next().substring(0, e.keySet().iterator().next().indexOf('/') + 1);
            for (int i = 0; i < extra; i++) {
                StringBuilder name = new StringBuilder(root).append("extra/");
                for (int bit = 0; bit < 6; bit++) {
                    name.append((i >> bit & 1) == 0 ? "b!" : "a@");
                }
                e.put(name.toString(), new byte[0]);
            }
            Path p = TorchZips.write(dir.resolve("flood-" + extra + ".pt"), e, false);
            if (extra <= ZipArchive.MAX_SAME_HASH) {
                loads(p, LoadOptions.defaults());
            } else {
                PtsafeException x = refused(p, LoadOptions.defaults());
                assertEquals(Reason.INVALID_ZIP, x.reason());
                org.junit.jupiter.api.Assertions.assertTrue(x.getMessage().contains("hash-flooding"), x.getMessage());
            }
        }
    }

    @Test
    void zipEntriesLimit() throws Exception {
        Path p = TorchZips.write(dir.resolve("s.pt"), linear(), false);
        int n = linear().size();
        loads(p, LoadOptions.builder().maxZipEntries(n).build());
        LimitExceededException x = assertThrows(LimitExceededException.class,
                () -> TorchZipReader.open(p, LoadOptions.builder().maxZipEntries(n - 1).build()));
        assertEquals(Reason.TOO_MANY_ENTRIES, x.reason());
        assertEquals("maxZipEntries", x.setting());
    }

    @Test
    void inflatedBytesBudgetCountsEveryRecordRead() throws Exception {
        Map<String, byte[]> e = linear();
        Path p = TorchZips.write(dir.resolve("d.pt"), e, true);
        long read = e.entrySet().stream().filter(en -> !en.getKey().endsWith("/version"))
                .mapToLong(en -> en.getValue().length).sum();
        loads(p, LoadOptions.builder().maxInflatedBytes(read).build());
        LimitExceededException x = assertThrows(LimitExceededException.class,
                () -> TorchZipReader.open(p, LoadOptions.builder().maxInflatedBytes(read - 1).build()));
        assertEquals(Reason.ZIP_BOMB, x.reason());
        assertEquals("maxInflatedBytes", x.setting());
    }

    @Test
    void compressionRatio() throws Exception {
        Map<String, byte[]> e = new LinkedHashMap<>(linear());
        e.put("linear/padding", new byte[100_000]);
        Path p = TorchZips.write(dir.resolve("d.pt"), e, true);
        loads(p, LoadOptions.defaults());
        // Unread records are never inflated: the ratio applies to what is read.
        Path q = TorchZips.write(dir.resolve("r.pt"), linear(), true);
        LimitExceededException x = assertThrows(LimitExceededException.class,
                () -> TorchZipReader.open(q, LoadOptions.builder().maxCompressionRatio(1).build()));
        assertEquals(Reason.ZIP_BOMB, x.reason());
        assertEquals("maxCompressionRatio", x.setting());
    }

    @Test
    void crcPolicies() throws Exception {
        Path p = TorchZips.write(dir.resolve("s.pt"), linear(), false);
        for (LoadOptions.CrcPolicy c : LoadOptions.CrcPolicy.values()) {
            loads(p, LoadOptions.builder().crcPolicy(c).build());
        }
        byte[] bytes = Files.readAllBytes(TorchZips.write(dir.resolve("d.pt"), linear(), true));
        patchCentralCrc(bytes, "linear/data/0");
        Path bad = Files.write(dir.resolve("bad.pt"), bytes);
        assertEquals(Reason.CRC_MISMATCH, refused(bad, LoadOptions.defaults()).reason(), "DEFLATED is always checked");
    }

    /** torch can save without CRCs: a zero CRC passes CHECK_IF_PRESENT and fails REQUIRE. */
    @Test
    void zeroCrc() throws Exception {
        byte[] bytes = Files.readAllBytes(TorchZips.write(dir.resolve("s.pt"), linear(), false));
        zeroCentralCrc(bytes, "linear/data/0");
        Path p = Files.write(dir.resolve("z.pt"), bytes);
        loads(p, LoadOptions.builder().crcPolicy(LoadOptions.CrcPolicy.CHECK_IF_PRESENT).build());
        assertEquals(Reason.CRC_MISMATCH,
                refused(p, LoadOptions.builder().crcPolicy(LoadOptions.CrcPolicy.REQUIRE).build()).reason());
    }

    @Test
    void fileMustStartWithALocalHeader() throws Exception {
        byte[] zip = Files.readAllBytes(LINEAR);
        byte[] prefixed = new byte[zip.length + 4];
        System.arraycopy(zip, 0, prefixed, 4, zip.length);
        prefixed[0] = 'J';
        Path p = Files.write(dir.resolve("poly.pt"), prefixed);
        assertEquals(Reason.INVALID_ZIP, refused(p, LoadOptions.defaults()).reason());
        Path empty = Files.write(dir.resolve("empty.pt"), new byte[0]);
        assertEquals(Reason.INVALID_ZIP, refused(empty, LoadOptions.defaults()).reason());
        Path truncated = Files.write(dir.resolve("cut.pt"), java.util.Arrays.copyOf(zip, zip.length / 2));
        assertEquals(Reason.INVALID_ZIP, refused(truncated, LoadOptions.defaults()).reason());
    }

    @Test
    void codeArchivesAreRefused() throws Exception {
        Map<String, byte[]> e = new LinkedHashMap<>(linear());
        e.put("linear/code/__torch__.py", "def forward(self): pass\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(Reason.UNSUPPORTED_FORMAT, refused(TorchZips.write(dir.resolve("ts.pt"), e, false),
                LoadOptions.defaults()).reason());
        Map<String, byte[]> pkg = new LinkedHashMap<>(linear());
        pkg.put("linear/.data/extern_modules", "torch\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(Reason.UNSUPPORTED_FORMAT, refused(TorchZips.write(dir.resolve("pkg.pt"), pkg, false),
                LoadOptions.defaults()).reason());
        Map<String, byte[]> pkg2 = new LinkedHashMap<>();
        pkg2.put("model/.data/version", "6\n".getBytes(StandardCharsets.UTF_8));
        pkg2.put("model/model/model.pkl", linear().get("linear/data.pkl"));
        assertEquals(Reason.UNSUPPORTED_FORMAT, refused(TorchZips.write(dir.resolve("pkg2.pt"), pkg2, false),
                LoadOptions.defaults()).reason());
        Map<String, byte[]> plain = Map.of("docs/readme.txt", new byte[] {'h', 'i'});
        assertEquals(Reason.NOT_A_CHECKPOINT, refused(TorchZips.write(dir.resolve("plain.zip"), plain, false),
                LoadOptions.defaults()).reason());
    }

    @Test
    void unsafeNames() throws Exception {
        for (String name : new String[] {"linear/a\\b", "linear/./x", "linear//x", "/linear/x", "x", "linear/../x",
                "linear/x\u0001"}) {
            Map<String, byte[]> e = new LinkedHashMap<>(linear());
            e.put(name, new byte[] {1});
            PtsafeException x = refused(TorchZips.write(dir.resolve("n.pt"), e, false), LoadOptions.defaults());
            assertEquals(Reason.ENTRY_OUTSIDE_ROOT, x.reason(), name + ": " + x.getMessage());
        }
    }

    @Test
    void folderEntriesAreFine() throws Exception {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("linear/", new byte[0]);
        e.put("linear/data/", new byte[0]);
        e.putAll(linear());
        loads(TorchZips.write(dir.resolve("f.pt"), e, false), LoadOptions.defaults());
    }

    @Test
    void pickleBytesAndTensorsLimits() throws Exception {
        int pkl = linear().get("linear/data.pkl").length;
        loads(LINEAR, LoadOptions.builder().maxPickleBytes(pkl).maxTensors(2).build());
        LimitExceededException x = assertThrows(LimitExceededException.class,
                () -> TorchZipReader.open(LINEAR, LoadOptions.builder().maxPickleBytes(pkl - 1).build()));
        assertEquals("maxPickleBytes", x.setting());
        LimitExceededException t = assertThrows(LimitExceededException.class,
                () -> TorchZipReader.open(LINEAR, LoadOptions.builder().maxTensors(1).build()));
        assertEquals(Reason.TOO_MANY_TENSORS, t.reason());
        assertEquals("maxTensors", t.setting());
    }

    /**
     * The table of meanings is shared by every open (TorchGlobals): the tensor limit still counts the
     * tensors of one file, whatever was opened before or at the same time, under either limit.
     */
    @Test
    void tensorLimitCountsEachOpenOfTheSharedTable() throws Exception {
        LoadOptions two = LoadOptions.builder().maxTensors(2).build();
        LoadOptions one = LoadOptions.builder().maxTensors(1).build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                boolean refuse = i % 5 == 0;
                runs.add(pool.submit(() -> {
                    if (refuse) {
                        LimitExceededException t = assertThrows(LimitExceededException.class,
                                () -> TorchZipReader.open(LINEAR, one));
                        assertEquals("maxTensors", t.setting());
                    } else {
                        loads(LINEAR, two);
                    }
                    return null;
                }));
            }
            for (Future<?> r : runs) {
                r.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Finds {@code name}'s central directory header and returns its offset. */
    static int central(byte[] zip, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        for (int i = zip.length - 46; i >= 0; i--) {
            if (zip[i] == 'P' && zip[i + 1] == 'K' && zip[i + 2] == 1 && zip[i + 3] == 2
                    && (zip[i + 28] & 0xff | (zip[i + 29] & 0xff) << 8) == n.length
                    && java.util.Arrays.equals(java.util.Arrays.copyOfRange(zip, i + 46, i + 46 + n.length), n)) {
                return i;
            }
        }
        throw new AssertionError(name);
    }

    static void patchCentralCrc(byte[] zip, String name) {
        zip[central(zip, name) + 16] ^= 0x55;
    }

    static void zeroCentralCrc(byte[] zip, String name) {
        int c = central(zip, name);
        for (int i = 0; i < 4; i++) {
            zip[c + 16 + i] = 0;
        }
        assertArrayEquals(new byte[4], java.util.Arrays.copyOfRange(zip, c + 16, c + 20));
    }
}
