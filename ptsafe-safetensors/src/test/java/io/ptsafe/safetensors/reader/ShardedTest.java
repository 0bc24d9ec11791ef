package io.ptsafe.safetensors.reader;

import static io.ptsafe.safetensors.reader.TestFiles.entry;
import static io.ptsafe.safetensors.reader.TestFiles.file;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.FileFormat;
import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.TensorFileClosedException;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharded checkpoints: the fixture set read as one file, and one test per refusal rule. */
class ShardedTest {
    private static final Path FIXTURE = TestFiles.RESOURCES.resolve("sharded");
    private static final String INDEX = "model.safetensors.index.json";
    private static final String S1 = "model-00001-of-00003.safetensors";
    private static final String S2 = "model-00002-of-00003.safetensors";
    private static final String S3 = "model-00003-of-00003.safetensors";

    @TempDir
    Path tmp;
    private Path model;
    private Map<String, String> weightMap;

    @BeforeEach
    void copyFixture() throws IOException {
        model = Files.createDirectory(tmp.resolve("model"));
        try (Stream<Path> files = Files.list(FIXTURE)) {
            for (Path f : files.toList()) {
                Files.copy(f, model.resolve(f.getFileName()));
            }
        }
        weightMap = new LinkedHashMap<>();
        weightMap.put("a_step", S3);
        weightMap.put("embed.weight", S1);
        weightMap.put("layers.0.weight", S2);
        weightMap.put("lm_head.weight", S3);
        weightMap.put("norm.weight", S1);
    }

    private Path index(String json) throws IOException {
        return Files.writeString(model.resolve(INDEX), json);
    }

    private Path index(Map<String, String> wm) throws IOException {
        return index("{\"metadata\":{\"total_size\":104},\"weight_map\":{" + wm.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"").collect(Collectors.joining(",")) + "}}");
    }

    private static byte[] shard(String... names) {
        StringBuilder h = new StringBuilder("{");
        for (int i = 0; i < names.length; i++) {
            h.append(i == 0 ? "" : ",").append(entry(names[i], "U8", "1", i, i + 1));
        }
        return file(h.append('}').toString(), names.length);
    }

    // --- happy path --------------------------------------------------------------------------------

    @Test
    void readsTheFixtureSetAsOneFile() throws IOException {
        List<String> order = TestFiles.tsv("expected.tsv").stream().filter(f -> f[1].equals("#order"))
                .map(f -> Arrays.asList(f[4].split(","))).findFirst().orElseThrow();
        Map<String, TestFiles.Row> rows = TestFiles.rows("expected.tsv").stream()
                .filter(r -> r.file().startsWith("sharded/"))
                .collect(Collectors.toMap(TestFiles.Row::name, r -> r));
        for (Path p : List.of(FIXTURE, FIXTURE.resolve(INDEX))) {
            List<Tensor> kept;
            try (TensorFile tf = SafeLoader.open(p)) {
                assertEquals(FileFormat.SHARDED, tf.format());
                assertEquals(FIXTURE.resolve(INDEX), tf.path());
                assertEquals(order, tf.tensors().stream().map(Tensor::name).toList(), "weight_map order");
                for (Tensor t : tf.tensors()) {
                    TestFiles.Row r = rows.get(t.name());
                    assertEquals("sharded/" + t.file().getFileName(), r.file());
                    assertEquals(r.dtype(), t.dtype().name());
                    assertArrayEquals(r.shape(), t.shape());
                    assertArrayEquals(r.bytes(), t.data().toArray(ValueLayout.JAVA_BYTE), t.name());
                }
                assertEquals(Map.of("format", "pt"), tf.metadata());
                kept = tf.tensors();
            }
            for (Tensor t : kept) {
                assertThrows(TensorFileClosedException.class, t::data); // closing the set closed every shard
            }
        }
    }

    @Test
    void pytorchBinIndexNameAndExtraKeysAndAWrongTotalSize() throws IOException {
        Files.delete(model.resolve(INDEX));
        Files.writeString(model.resolve("pytorch_model.bin.index.json"), "{\"format\":[{\"x\":[]}],\"weight_map\":{"
                + weightMap.entrySet().stream().map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"")
                .collect(Collectors.joining(",")) + "},\"metadata\":{\"total_size\":1,\"other\":\"x\"}}");
        try (TensorFile tf = SafeLoader.open(model)) {
            assertEquals(5, tf.tensors().size());
            assertEquals(model.resolve("pytorch_model.bin.index.json"), tf.path());
        }
    }

    @Test
    void aSymlinkToAFileInsideTheFolderIsFollowed() throws IOException {
        Files.move(model.resolve(S2), model.resolve("real.safetensors"));
        Files.createSymbolicLink(model.resolve(S2), Path.of("real.safetensors"));
        try (TensorFile tf = SafeLoader.open(model)) {
            assertEquals(5, tf.tensors().size());
        }
    }

    /**
     * The Hugging Face hub cache (huggingface_hub's layout): {@code <repo>/snapshots/<rev>/} holds links
     * to {@code ../../blobs/<hash>}, the index included.
     */
    private Path hubCache(String blobNameOf2) throws IOException {
        Path repo = Files.createDirectories(tmp.resolve("hub").resolve("models--org--model"));
        Path blobs = Files.createDirectory(repo.resolve("blobs"));
        Path snapshot = Files.createDirectories(repo.resolve("snapshots").resolve("0123abcd"));
        int i = 0;
        for (String f : List.of(INDEX, S1, S2, S3)) {
            String hash = f.equals(S2) ? blobNameOf2 : String.format("%064x", ++i);
            Files.copy(model.resolve(f), blobs.resolve(hash));
            Files.createSymbolicLink(snapshot.resolve(f), Path.of("..", "..", "blobs", hash));
        }
        return snapshot;
    }

    @Test
    void theHuggingFaceCacheLayoutIsFollowed() throws IOException {
        Path snapshot = hubCache("a".repeat(40));
        for (Path p : List.of(snapshot, snapshot.resolve(INDEX))) {
            try (TensorFile tf = SafeLoader.open(p); TensorFile plain = SafeLoader.open(model)) {
                assertEquals(5, tf.tensors().size());
                for (Tensor t : plain.tensors()) {
                    assertArrayEquals(t.data().toArray(ValueLayout.JAVA_BYTE),
                            tf.tensor(t.name()).data().toArray(ValueLayout.JAVA_BYTE), t.name());
                }
            }
        }
    }

    @Test
    void onlyHashNamedBlobsOfTheSameRepositoryAreFollowed() throws IOException {
        // A blob not named by a hash, and a link into another repository's blobs, stay outside.
        Path snapshot = hubCache("not-a-hash.safetensors");
        PtsafeException e = TestFiles.refused(Reason.SHARD_OUTSIDE_FOLDER, snapshot);
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
        Path other = Files.createDirectories(tmp.resolve("hub").resolve("models--evil--x").resolve("blobs"));
        Path stolen = Files.copy(model.resolve(S2), other.resolve("b".repeat(64)));
        Files.delete(snapshot.resolve(S2));
        Files.createSymbolicLink(snapshot.resolve(S2), stolen);
        TestFiles.refused(Reason.SHARD_OUTSIDE_FOLDER, snapshot);
    }

    @Test
    void aFolderWithoutIndexIsNoFormat() throws IOException {
        Files.delete(model.resolve(INDEX));
        TestFiles.refused(Reason.UNKNOWN_FORMAT, model);
    }

    /** A safetensors file whose header length starts with '{' and whose metadata says weight_map is still safetensors. */
    @Test
    void aSafetensorsFileMentioningWeightMapIsNotAnIndex() throws IOException {
        String h = "{\"__metadata__\":{\"weight_map\":\"x\",\"pad\":\"\"}," + entry("w", "U8", "1", 0, 1) + "}";
        h = h.replace("\"pad\":\"\"", "\"pad\":\"" + "p".repeat(123 - h.length()) + "\"");
        assertEquals(0x7B, h.length()); // the first byte of the file is '{'
        Path p = TestFiles.write(tmp, "w.safetensors", file(h, 1));
        try (TensorFile tf = SafeLoader.open(p)) {
            assertEquals(FileFormat.SAFETENSORS, tf.format());
        }
    }

    // --- refusals ---------------------------------------------------------------------------------

    @Test
    void shardTensorMissing() throws IOException {
        weightMap.put("ghost", S1);
        PtsafeException e = TestFiles.refused(Reason.SHARD_TENSOR_MISSING, index(weightMap));
        assertTrue(e.getMessage().contains("'ghost'"), e.getMessage());
        // named in the wrong shard
        weightMap.remove("ghost");
        weightMap.put("norm.weight", S2);
        e = TestFiles.refused(Reason.SHARD_TENSOR_MISSING, index(weightMap));
        assertTrue(e.getMessage().contains("(shard '" + S1 + "' does)"), e.getMessage());
    }

    @Test
    void duplicateTensorAcrossShards() throws IOException {
        Files.write(model.resolve("model-extra.safetensors"), shard("embed.weight", "extra"));
        weightMap.put("extra", "model-extra.safetensors");
        TestFiles.refused(Reason.DUPLICATE_TENSOR, index(weightMap));
    }

    @Test
    void aTensorTheIndexDoesNotListIsRefused() throws IOException {
        weightMap.remove("norm.weight");
        PtsafeException e = TestFiles.refused(Reason.INVALID_INDEX, index(weightMap));
        assertTrue(e.getMessage().contains("'norm.weight'"), e.getMessage());
    }

    @Test
    void shardOutsideFolder() throws IOException {
        Path outside = Files.write(tmp.resolve("outside.safetensors"), shard("x"));
        for (String name : List.of("../outside.safetensors", outside.toString(), "sub/x.safetensors", "a\\\\b", "a\\u0000b",
                ".", "..", "", "C:x.safetensors")) {
            Map<String, String> wm = new LinkedHashMap<>(weightMap);
            wm.put("x", name);
            TestFiles.refused(Reason.SHARD_OUTSIDE_FOLDER, index(wm));
        }
        Files.createSymbolicLink(model.resolve("link.safetensors"), outside);
        weightMap.put("x", "link.safetensors");
        PtsafeException e = TestFiles.refused(Reason.SHARD_OUTSIDE_FOLDER, index(weightMap));
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
    }

    @Test
    void shardMissing() throws IOException {
        Files.createDirectory(model.resolve("dir.safetensors"));
        Files.createSymbolicLink(model.resolve("dangling.safetensors"), Path.of("nothing.safetensors"));
        for (String name : List.of("absent.safetensors", "dir.safetensors", "dangling.safetensors")) {
            Map<String, String> wm = new LinkedHashMap<>(weightMap);
            wm.put("x", name);
            TestFiles.refused(Reason.SHARD_MISSING, index(wm));
        }
    }

    @Test
    void tooManyShardsAndTensors() throws IOException {
        Path p = index(weightMap);
        SafeLoader.open(p, LoadOptions.builder().maxShards(3).maxTensors(5).build()).close();
        LimitExceededException s = (LimitExceededException) TestFiles.refused(Reason.TOO_MANY_SHARDS, p,
                LoadOptions.builder().maxShards(2).build());
        assertEquals("maxShards", s.setting());
        assertEquals(3, s.value());
        LimitExceededException t = (LimitExceededException) TestFiles.refused(Reason.TOO_MANY_TENSORS, p,
                LoadOptions.builder().maxTensors(4).build());
        assertEquals(5, t.value());
    }

    @Test
    void indexOverMaxHeaderBytes() throws IOException {
        Path p = index(weightMap);
        long size = Files.size(p);
        SafeLoader.open(p, LoadOptions.builder().maxHeaderBytes(size).build()).close();
        TestFiles.refused(Reason.HEADER_TOO_LARGE, p, LoadOptions.builder().maxHeaderBytes(size - 1).build());
    }

    @Test
    void invalidIndex() throws IOException {
        String wm = "\"weight_map\":{\"embed.weight\":\"" + S1 + "\"}";
        for (String json : List.of("{\"weight_map\":1}", "{\"weight_map\":[]}", "{\"metadata\":{}}",
                "{\"weight_map\":{\"a\":1}}", "{\"weight_map\":{\"a\":null}}", "{\"metadata\":[]," + wm + "}",
                "{" + wm + "} {}", "{" + wm + ",}", "{" + wm)) {
            index(json);
            TestFiles.refused(Reason.INVALID_INDEX, model); // through the folder: no "weight_map" is needed to recognise it
        }
        byte[] notUtf8 = ("{" + wm + ",\"x\":\"\u00ff\"}").getBytes(StandardCharsets.ISO_8859_1);
        Files.write(model.resolve(INDEX), notUtf8);
        TestFiles.refused(Reason.INVALID_INDEX, model.resolve(INDEX));
        // an index naming itself as a shard would recurse
        weightMap.put("x", INDEX);
        TestFiles.refused(Reason.INVALID_INDEX, index(weightMap));
    }

    @Test
    void duplicateKeys() throws IOException {
        String entry = "\"embed.weight\":\"" + S1 + "\"";
        TestFiles.refused(Reason.DUPLICATE_KEY, index("{\"weight_map\":{" + entry + "," + entry + "}}"));
        TestFiles.refused(Reason.DUPLICATE_KEY, index("{\"weight_map\":{" + entry + "},\"weight_map\":{}}"));
        TestFiles.refused(Reason.DUPLICATE_KEY, index("{\"metadata\":{\"a\":1,\"a\":2},\"weight_map\":{" + entry + "}}"));
    }

    @Test
    void depthAndStringLimitsApplyToTheIndex() throws IOException {
        Path p = index("{\"extra\":" + "[".repeat(20) + "]".repeat(20) + ",\"weight_map\":{}}");
        TestFiles.refused(Reason.HEADER_TOO_DEEP, p);
        p = index(weightMap);
        TestFiles.refused(Reason.STRING_TOO_LONG, p, LoadOptions.builder().maxStringLength(20).build());
    }

    @Test
    void keysOfSkippedIndexValuesAreBounded() throws IOException {
        String wm = "\"weight_map\":{" + weightMap.entrySet().stream()
                .map(e -> "\"" + e.getKey() + "\":\"" + e.getValue() + "\"").collect(Collectors.joining(",")) + "}";
        index("{\"metadata\":{\"a\":1,\"b\":{\"c\":2}}," + wm + ",\"extra\":[{\"x\":1,\"y\":2}]}");
        SafeLoader.open(model, LoadOptions.builder().maxContainerItems(3).build()).close();
        LimitExceededException e = (LimitExceededException) TestFiles.refused(Reason.INVALID_INDEX, model,
                LoadOptions.builder().maxContainerItems(2).build());
        assertEquals("maxContainerItems", e.setting());
        assertEquals(3, e.value());
    }

    /** A shard that fails to open leaves no shard mapped: the ones opened before it are closed. */
    @Test
    void aFailingShardClosesTheShardsOpenedBeforeIt() throws IOException {
        Path maps = Path.of("/proc/self/maps");
        Assumptions.assumeTrue(Files.isReadable(maps), "needs /proc/self/maps");
        Path first = model.resolve(S1).toRealPath();
        try (TensorFile tf = SafeLoader.open(index(weightMap))) {
            assertEquals(5, tf.tensors().size());
            assertTrue(Files.readString(maps).contains(first.toString()), "an open shard is mapped");
        }
        assertFalse(Files.readString(maps).contains(first.toString()));
        Files.write(model.resolve(S3), new byte[] {1, 2, 3}); // S1 and S2 open first, S3 is no format at all
        TestFiles.refused(Reason.UNKNOWN_FORMAT, model);
        assertFalse(Files.readString(maps).contains(first.toString()), "S1 still mapped after the set was refused");
        Files.write(model.resolve(S3), shard("a_step")); // lm_head.weight is missing: refused after every shard opened
        TestFiles.refused(Reason.SHARD_TENSOR_MISSING, model);
        assertFalse(Files.readString(maps).contains(first.toString()));
    }
}
