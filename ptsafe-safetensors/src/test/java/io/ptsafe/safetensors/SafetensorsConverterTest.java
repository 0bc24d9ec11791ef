package io.ptsafe.safetensors;

import static io.ptsafe.safetensors.Files2.dict;
import static io.ptsafe.safetensors.Files2.file;
import static io.ptsafe.safetensors.Files2.storage;
import static io.ptsafe.safetensors.Files2.view;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsConverterTest {
    @TempDir
    Path dir;
    final Arena arena = Arena.ofShared();

    @AfterEach
    void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    SafetensorsConverter converter(SafetensorsConverter.Builder b) {
        SafetensorsConverter c = b.build();
        // read back by the reference's rules (the tests' decoder) and by ptsafe's strict reader
        c.opener = p -> {
            RawSafetensors.read(p).checkValid();
            return SafeLoader.open(p);
        };
        return c;
    }

    ConversionReport convert(TensorFile in, Path out) throws IOException {
        return converter(SafetensorsConverter.builder()).convert(in, out);
    }

    static byte[] bytes(Tensor t) throws PtsafeException {
        return t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    // --- shared storage -------------------------------------------------------------------------

    @Test
    void tiedWeightsAreWrittenOnceAndRecordedAsAliases() throws IOException {
        MemorySegment w = storage(arena, 48);
        Tensor embed = view("embed.weight", DType.F32, w, 0, new long[] {4, 3});
        Tensor head = view("lm_head.weight", DType.F32, w, 0, new long[] {4, 3});
        Tensor bias = view("bias", DType.F32, storage(arena, 12), 0, new long[] {3});
        TensorFile in = file(dir.resolve("tied.pt"), arena, dict("lm_head.weight", head, "embed.weight", embed,
                "bias", bias));
        Path out = dir.resolve("model.safetensors");
        ConversionReport r = convert(in, out);

        assertEquals(Map.of("lm_head.weight", "embed.weight"), r.aliases());
        RawSafetensors raw = RawSafetensors.read(out).checkValid();
        assertEquals(List.of("format", "lm_head.weight"), List.copyOf(raw.metadata().keySet()));
        assertEquals("pt", raw.metadata().get("format"));
        assertEquals(Set.of("embed.weight", "bias"), Set.copyOf(raw.entries().stream().map(RawSafetensors.Entry::name).toList()));
        assertArrayEquals(bytes(embed), raw.data(raw.entry("embed.weight")));
        assertEquals(2, r.tensors().size());
        assertEquals(List.of(out), r.outputs());
    }

    @Test
    void preferredAndDiscardedNamesChooseTheKeptName() throws IOException {
        MemorySegment w = storage(arena, 16);
        TensorFile in = file(dir.resolve("tied.pt"), arena, dict(
                "a", view("a", DType.F32, w, 0, new long[] {4}),
                "b", view("b", DType.F32, w, 0, new long[] {4}),
                "c", view("c", DType.F32, w, 0, new long[] {4})));
        ConversionReport discard = converter(SafetensorsConverter.builder().discardNames(Set.of("a")))
                .convert(in, dir.resolve("d.safetensors"));
        assertEquals(Map.of("a", "b", "c", "b"), discard.aliases());
        ConversionReport prefer = converter(SafetensorsConverter.builder().discardNames(Set.of("a"))
                .preferredNames(Set.of("c"))).convert(in, dir.resolve("p.safetensors"));
        assertEquals(Map.of("a", "c", "b", "c"), prefer.aliases());
        ConversionReport both = converter(SafetensorsConverter.builder().discardNames(Set.of("a"))
                .preferredNames(Set.of("c", "a"))).convert(in, dir.resolve("q.safetensors"));
        assertEquals(Map.of("b", "a", "c", "a"), both.aliases(), "preferred wins over discard, smallest first");
    }

    @Test
    void partialViewsAndReshapesAreCopiedNotDropped() throws IOException {
        MemorySegment s = storage(arena, 96); // F32[6,4]
        Tensor full = view("full", DType.F32, s, 0, new long[] {6, 4});
        Tensor row = view("row", DType.F32, s, 4, new long[] {4});
        Tensor cols = view("cols", DType.F32, s, 1, new long[] {6, 2}, 4, 1);
        Tensor flat = view("flat", DType.F32, s, 0, new long[] {24});
        TensorFile in = file(dir.resolve("views.pt"), arena, dict("full", full, "row", row, "cols", cols, "flat", flat));
        Path out = dir.resolve("views.safetensors");
        ConversionReport r = convert(in, out);
        assertEquals(Map.of(), r.aliases());
        RawSafetensors raw = RawSafetensors.read(out).checkValid();
        for (Tensor t : List.of(full, row, cols, flat)) {
            assertArrayEquals(bytes(t), raw.data(raw.entry(t.name())), t.name());
        }
        assertTrue(r.tensors().stream().filter(w -> w.name().equals("cols")).findFirst().orElseThrow().copied());
        assertFalse(r.tensors().stream().filter(w -> w.name().equals("full")).findFirst().orElseThrow().copied());
    }

    @Test
    void warnsWhenTheOutputOutgrowsTheSourceAsConvertPyWouldRefuse() throws IOException {
        Path src = Files.write(dir.resolve("src.pt"), new byte[600]);
        MemorySegment s = storage(arena, 512);
        Map<String, Object> kv = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) {
            kv.put("view" + i, Tensor.builder("view" + i, DType.U8, new long[] {256}, s).storageOffset(i * 64L)
                    .file(src).build());
        }
        List<Object> flat = new ArrayList<>();
        kv.forEach((k, v) -> {
            flat.add(k);
            flat.add(v);
        });
        ConversionReport r = convert(file(src, arena, dict(flat.toArray())), dir.resolve("v.safetensors"));
        assertEquals(600, r.sourceBytes());
        assertEquals(1, r.warnings().size(), r.toTable());
        assertTrue(r.warnings().getFirst().contains("4 tensors were copied from views"), r.warnings().toString());
        assertTrue(r.toTable().contains("warning: the output is"), r.toTable());

        Path bigger = Files.write(dir.resolve("whole.pt"), new byte[1000]); // a checkpoint holding 512 bytes
        Tensor whole = Tensor.builder("whole", DType.U8, new long[] {512}, s).file(bigger).build();
        ConversionReport ok = convert(file(bigger, arena, dict("whole", whole)), dir.resolve("w.safetensors"));
        assertEquals(List.of(), ok.warnings());
    }

    @Test
    void viewsWithNoWholeStorageTensorAreEachCopied() throws IOException {
        MemorySegment s = storage(arena, 32); // F32[8]; only halves are saved
        Tensor a = view("half_a", DType.F32, s, 0, new long[] {4});
        Tensor b = view("half_b", DType.F32, s, 2, new long[] {4});
        TensorFile in = file(dir.resolve("v.pt"), arena, dict("half_a", a, "half_b", b));
        Path out = dir.resolve("v.safetensors");
        ConversionReport r = convert(in, out);
        assertEquals(Map.of(), r.aliases());
        RawSafetensors raw = RawSafetensors.read(out).checkValid();
        assertArrayEquals(bytes(b), raw.data(raw.entry("half_b")));
    }

    @Test
    void clustersFollowTheReferenceRuleOfComparingWithThePreviousViewOnly() throws IOException {
        // full covers [0,64); x = [8,16) ends the first cluster's "last stop" at 16, so y = [32,40) starts
        // a cluster of its own: the reference keeps y apart (here: written as a copy), not as an alias.
        MemorySegment s = storage(arena, 64);
        Tensor full = view("full", DType.U8, s, 0, new long[] {64});
        Tensor full2 = view("full2", DType.U8, s, 0, new long[] {64});
        Tensor x = view("x", DType.U8, s, 8, new long[] {8});
        Tensor y = view("y", DType.U8, s, 32, new long[] {8});
        TensorFile in = file(dir.resolve("c.pt"), arena, dict("full", full, "full2", full2, "x", x, "y", y));
        ConversionReport r = convert(in, dir.resolve("c.safetensors"));
        assertEquals(Map.of("full2", "full"), r.aliases());
        assertEquals(List.of("full", "x", "y"), r.tensors().stream().map(ConversionReport.WrittenTensor::name).toList());
    }

    // --- selection ------------------------------------------------------------------------------

    @Test
    void unwrapsStateDictAndListsWhatItSkips() throws IOException {
        Tensor w = view("state_dict.layer.weight", DType.F32, storage(arena, 16), 0, new long[] {2, 2});
        PyValue.Dict root = dict("state_dict", dict("layer.weight", w, "version", PyValue.Int.of(2)),
                "epoch", PyValue.Int.of(3), "name", new PyValue.Str("run-1"));
        TensorFile in = file(dir.resolve("wrapped.pt"), arena, root);
        Path out = dir.resolve("w.safetensors");
        ConversionReport r = convert(in, out);
        assertEquals(List.of("layer.weight"), r.tensors().stream().map(ConversionReport.WrittenTensor::name).toList());
        assertEquals(List.of(new ConversionReport.SkippedEntry("version", "int 2")), r.skipped());
        assertEquals(List.of("epoch", "name"), r.notSelected());
        assertEquals(Map.of("format", "pt"), RawSafetensors.read(out).metadata());
        assertTrue(r.toTable().contains("entries skipped  1"), r.toTable());
    }

    @Test
    void selectsAKeyBesideTheStateDict() throws IOException {
        Tensor w = view("state_dict.w", DType.F32, storage(arena, 4), 0, new long[] {1});
        Tensor e = view("ema.w", DType.F32, storage(arena, 4), 0, new long[] {1});
        TensorFile in = file(dir.resolve("ema.pt"), arena, dict("state_dict", dict("w", w), "ema", dict("w", e)));
        ConversionReport r = converter(SafetensorsConverter.builder().select("ema")).convert(in, dir.resolve("e.safetensors"));
        assertEquals(List.of("w"), r.tensors().stream().map(ConversionReport.WrittenTensor::name).toList());
        assertEquals(List.of("state_dict.w"), r.notSelected());
    }

    @Test
    void selectsASubtreeOfNestedOrDottedNames() throws IOException {
        Tensor enc = view("model.enc.w", DType.F32, storage(arena, 8), 0, new long[] {2});
        Tensor dec = view("model.dec.w", DType.F32, storage(arena, 4), 0, new long[] {1});
        Tensor mom = view("optimizer.state.0", DType.F32, storage(arena, 4), 0, new long[] {1});
        PyValue.Dict root = dict("model", dict("enc", dict("w", enc), "dec.w", dec),
                "optimizer", dict("state", dict("0", mom), "step", PyValue.Int.of(5)),
                "config", new PyValue.Str("tiny"));
        TensorFile in = file(dir.resolve("nested.pt"), arena, root);
        ConversionReport r = converter(SafetensorsConverter.builder().select("model"))
                .convert(in, dir.resolve("m.safetensors"));
        assertEquals(List.of("enc.w", "dec.w"), r.tensors().stream().map(ConversionReport.WrittenTensor::name).toList());
        assertEquals(3, r.notSelectedCount(), r.notSelected().toString());
        java.util.NoSuchElementException e = assertThrows(java.util.NoSuchElementException.class,
                () -> converter(SafetensorsConverter.builder().select("nope")).convert(in, dir.resolve("n.safetensors")));
        assertTrue(e.getMessage().contains("model, optimizer, config"), e.getMessage());
        // without a selection everything is written under its full name
        ConversionReport all = convert(in, dir.resolve("all.safetensors"));
        assertEquals(List.of("model.enc.w", "model.dec.w", "optimizer.state.0"),
                all.tensors().stream().map(ConversionReport.WrittenTensor::name).toList());
        assertEquals(List.of(new ConversionReport.SkippedEntry("optimizer.step", "int 5"),
                new ConversionReport.SkippedEntry("config", "str 'tiny'")), all.skipped());
    }

    // --- sharding -------------------------------------------------------------------------------

    @Test
    void shardsWithAnIndexAndKeepsAliasesWithTheirTensor() throws IOException {
        MemorySegment tiedStorage = storage(arena, 40);
        Map<String, Object> entries = new LinkedHashMap<>();
        entries.put("a", view("a", DType.U8, storage(arena, 40), 0, new long[] {40}));
        entries.put("b", view("b", DType.U8, tiedStorage, 0, new long[] {40}));
        entries.put("b_tied", view("b_tied", DType.U8, tiedStorage, 0, new long[] {40}));
        entries.put("big", view("big", DType.U8, storage(arena, 150), 0, new long[] {150}));
        entries.put("c", view("c", DType.U8, storage(arena, 30), 0, new long[] {30}));
        List<Object> kv = new ArrayList<>();
        entries.forEach((k, v) -> {
            kv.add(k);
            kv.add(v);
        });
        TensorFile in = file(dir.resolve("s.pt"), arena, dict(kv.toArray()));
        Path out = dir.resolve("out/model.safetensors");
        ConversionReport r = converter(SafetensorsConverter.builder().maxShardSize(100)).convert(in, out);

        // a+b fit 100; big (over the limit) gets its own shard; c starts... the current one
        List<String> names = r.outputs().stream().map(p -> p.getFileName().toString()).toList();
        assertEquals(List.of("model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors",
                "model-00003-of-00003.safetensors"), names);
        assertEquals(dir.resolve("out/model.safetensors.index.json"), r.index().orElseThrow());
        Map<String, String> weightMap = new LinkedHashMap<>();
        long total = readIndex(r.index().get(), weightMap);
        assertEquals(40 + 40 + 150 + 30, total);
        assertEquals(Set.of("a", "b", "big", "c"), weightMap.keySet());
        String bShard = weightMap.get("b");
        RawSafetensors shard = RawSafetensors.read(dir.resolve("out").resolve(bShard)).checkValid();
        assertEquals("b", shard.metadata().get("b_tied"), "the alias is recorded in the shard of its tensor");
        for (String shardName : names) {
            RawSafetensors s = RawSafetensors.read(dir.resolve("out").resolve(shardName)).checkValid();
            for (RawSafetensors.Entry e : s.entries()) {
                assertEquals(shardName, weightMap.get(e.name()));
            }
        }
        assertFalse(Files.exists(out), "a sharded output has no single file");
        assertEquals(5, SafetensorsWriterTest.list(dir.resolve("out")).size() + 1);
    }

    @Test
    void oneShardIsWrittenAsOneFileWithoutIndex() throws IOException {
        TensorFile in = file(dir.resolve("s.pt"), arena, dict("a", view("a", DType.U8, storage(arena, 4), 0,
                new long[] {4})));
        ConversionReport r = converter(SafetensorsConverter.builder().maxShardSize(100))
                .convert(in, dir.resolve("model.safetensors"));
        assertEquals(List.of(dir.resolve("model.safetensors")), r.outputs());
        assertTrue(r.index().isEmpty());
    }

    // --- failures leave nothing ------------------------------------------------------------------

    @Test
    void aVerificationMismatchLeavesNothingAndKeepsTheOldTarget() throws IOException {
        Path out = dir.resolve("model.safetensors");
        Files.writeString(out, "old");
        TensorFile in = file(dir.resolve("x.pt"), arena, dict("a", view("a", DType.U8, storage(arena, 64), 0,
                new long[] {64})));
        SafetensorsConverter c = converter(SafetensorsConverter.builder());
        c.afterWrite = temp -> {
            try (var ch = java.nio.channels.FileChannel.open(temp, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(new byte[] {0x55}), Files.size(temp) - 10);
            }
        };
        PtsafeException e = assertThrows(PtsafeException.class, () -> c.convert(in, out));
        assertEquals(Reason.VERIFY_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("tensor 'a' differs from its source at byte 54"), e.getMessage());
        assertEquals("old", Files.readString(out));
        assertEquals(List.of(out), SafetensorsWriterTest.list(dir));
    }

    @Test
    void aFailureInALaterShardLeavesNoShardAndNoNewFolder() throws IOException {
        Path out = dir.resolve("new/sub/model.safetensors");
        TensorFile in = file(dir.resolve("x.pt"), arena, dict(
                "a", view("a", DType.U8, storage(arena, 64), 0, new long[] {64}),
                "b", view("b", DType.U8, storage(arena, 64), 0, new long[] {64})));
        SafetensorsConverter c = converter(SafetensorsConverter.builder().maxShardSize(64).progress((done, total) -> {
            if (done > 64) {
                throw new IllegalStateException("injected");
            }
        }));
        assertThrows(IllegalStateException.class, () -> c.convert(in, out));
        assertEquals(List.of(), SafetensorsWriterTest.list(dir));
    }

    @Test
    void aFailedShardSetKeepsTheOldShards() throws IOException {
        Path out = dir.resolve("model.safetensors");
        TensorFile in = file(dir.resolve("x.pt"), arena, dict(
                "a", view("a", DType.U8, storage(arena, 64), 0, new long[] {64}),
                "b", view("b", DType.U8, storage(arena, 64), 0, new long[] {64})));
        converter(SafetensorsConverter.builder().maxShardSize(64)).convert(in, out);
        List<Path> before = SafetensorsWriterTest.list(dir);
        Map<Path, byte[]> old = new LinkedHashMap<>();
        for (Path p : before) {
            old.put(p, Files.readAllBytes(p));
        }
        SafetensorsConverter c = converter(SafetensorsConverter.builder().maxShardSize(64));
        c.afterWrite = temp -> {
            throw new IOException("injected after writing " + temp.getFileName());
        };
        assertThrows(IOException.class, () -> c.convert(in, out));
        assertEquals(before, SafetensorsWriterTest.list(dir));
        for (Path p : before) {
            assertArrayEquals(old.get(p), Files.readAllBytes(p));
        }
    }

    @Test
    void refusesComplex128WithoutWritingAnything() throws IOException {
        Tensor z = view("z", DType.C128, storage(arena, 32), 0, new long[] {2});
        TensorFile in = file(dir.resolve("z.pt"), arena, dict("z", z));
        PtsafeException e = assertThrows(PtsafeException.class, () -> convert(in, dir.resolve("z.safetensors")));
        assertEquals(Reason.CANNOT_WRITE, e.reason());
        assertEquals(List.of(), SafetensorsWriterTest.list(dir));
    }

    @Test
    void refusesAFileWithoutTensors() throws IOException {
        TensorFile in = file(dir.resolve("e.pt"), arena, dict("epoch", PyValue.Int.of(1)));
        PtsafeException e = assertThrows(PtsafeException.class, () -> convert(in, dir.resolve("e.safetensors")));
        assertEquals(Reason.CANNOT_WRITE, e.reason());
        assertTrue(e.getMessage().contains("no tensors"), e.getMessage());
    }

    @Test
    void reportsAsJson() throws IOException {
        TensorFile in = file(dir.resolve("j.pt"), arena, dict("a", view("a", DType.U8, storage(arena, 4), 0,
                new long[] {2, 2}), "n", PyValue.None.NONE));
        String json = convert(in, dir.resolve("j.safetensors")).toJson();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            Map<String, String> top = new LinkedHashMap<>();
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String k = p.currentName();
                p.nextToken();
                top.put(k, p.currentToken().isScalarValue() ? p.getText() : p.currentToken().name());
                p.skipChildren();
            }
            assertEquals("1", top.get("tensors_written"));
            assertEquals("4", top.get("tensor_bytes"));
            assertEquals("1", top.get("skipped_count"));
            assertEquals("TORCH_ZIP", top.get("format"));
        }
    }

    static long readIndex(Path index, Map<String, String> weightMap) throws IOException {
        long total = -1;
        try (JsonParser p = new JsonFactory().createParser(index.toFile())) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String k = p.currentName();
                p.nextToken();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    p.nextToken();
                    if (k.equals("metadata") && name.equals("total_size")) {
                        total = p.getLongValue();
                    } else if (k.equals("weight_map")) {
                        weightMap.put(name, p.getText());
                    }
                }
            }
        }
        return total;
    }
}
