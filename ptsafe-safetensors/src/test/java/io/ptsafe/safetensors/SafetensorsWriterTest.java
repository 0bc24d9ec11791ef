package io.ptsafe.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFileClosedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafetensorsWriterTest {
    @TempDir
    Path dir;

    static Path fixture(String name) {
        return Path.of("src/test/resources/writer", name);
    }

    static Tensor f32(String name, float... values) throws PtsafeException {
        MemorySegment s = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) {
            s.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), i * 4L, values[i]);
        }
        return Tensor.of(name, DType.F32, new long[] {values.length}, s);
    }

    // --- byte identity with the reference writer --------------------------------------------------

    /** safetensors.torch.save_file wrote these; the same tensors given in another order must give the same bytes. */
    @ParameterizedTest
    @ValueSource(strings = {"mixed.safetensors", "empty.safetensors", "single_meta.safetensors"})
    void writesWhatTheReferenceWrites(String name) throws IOException {
        RawSafetensors ref = RawSafetensors.read(fixture(name)).checkValid();
        List<Tensor> tensors = new ArrayList<>(ref.tensors());
        Collections.reverse(tensors);
        SafetensorsWriter w = SafetensorsWriter.create().metadata(ref.metadata());
        tensors.forEach(w::add);
        Path out = dir.resolve(name);
        long size = w.write(out);
        assertEquals(Files.size(fixture(name)), size);
        assertArrayEquals(Files.readAllBytes(fixture(name)), Files.readAllBytes(out),
                () -> "ours: " + readHeader(out) + "\nreference: " + ref.headerJson());
    }

    /** The byte vector of the reference's own unit test (test_serialization in tensor.rs). */
    @Test
    void matchesTheReferenceUnitTestVector() throws IOException {
        Path out = dir.resolve("attn.safetensors");
        MemorySegment data = MemorySegment.ofArray(new float[] {0, 1, 2, 3, 4, 5});
        SafetensorsWriter.create().add(Tensor.of("attn.0", DType.F32, new long[] {1, 2, 3}, data)).write(out);
        byte[] b = Files.readAllBytes(out);
        String header = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
        assertEquals(64, header.length());
        assertEquals(64, b[0]);
        assertEquals(header, new String(b, 8, 64, StandardCharsets.US_ASCII));
        assertEquals(8 + 64 + 24, b.length);
        assertArrayEquals(new byte[] {0, 0, -128, 63}, java.util.Arrays.copyOfRange(b, 76, 80)); // 1.0f
    }

    @Test
    void padsTheHeaderWithSpacesToAMultipleOfEight() throws IOException {
        Path out = dir.resolve("pad.safetensors");
        SafetensorsWriter.create().add(f32("attn0", 1, 2, 3)).write(out);
        RawSafetensors raw = RawSafetensors.read(out).checkValid();
        assertEquals(0, raw.headerLength() % 8);
        String padding = raw.headerJson().substring(raw.headerJson().lastIndexOf('}') + 1);
        assertFalse(padding.isEmpty());
        assertTrue(padding.chars().allMatch(c -> c == ' '), padding);
    }

    @Test
    void writesTheTensorsOfAnotherFileAndItsMetadata() throws IOException {
        RawSafetensors ref = RawSafetensors.read(fixture("single_meta.safetensors"));
        Path out = dir.resolve("copy.safetensors");
        SafetensorsWriter.create().add("renamed", ref.tensors().get(0)).metadata("k", "v\u00e9\"").write(out);
        RawSafetensors got = RawSafetensors.read(out).checkValid();
        assertEquals(Map.of("k", "v\u00e9\""), got.metadata());
        assertEquals("renamed", got.entries().get(0).name());
        assertArrayEquals(ref.data(ref.entries().get(0)), got.data(got.entries().get(0)));
    }

    @Test
    void writesSubByteAndZeroSizeTensors() throws IOException {
        Path out = dir.resolve("f4.safetensors");
        SafetensorsWriter.create()
                .add(Tensor.of("f4", DType.F4, new long[] {2, 3}, MemorySegment.ofArray(new byte[] {0x12, 0x34, 0x56})))
                .add(Tensor.of("none", DType.F32, new long[] {0, 4}, MemorySegment.ofArray(new byte[0])))
                .write(out);
        RawSafetensors raw = RawSafetensors.read(out).checkValid();
        assertArrayEquals(new byte[] {0x12, 0x34, 0x56}, raw.data(raw.entry("f4")));
        assertEquals(0, raw.data(raw.entry("none")).length);
        // F32 ranks above F4 in the reference's order
        assertEquals(List.of("none", "f4"), raw.entries().stream().map(RawSafetensors.Entry::name).toList());
    }

    // --- refusals -------------------------------------------------------------------------------------

    @Test
    void refusesComplex128() throws PtsafeException {
        Tensor z = Tensor.of("z", DType.C128, new long[] {1}, MemorySegment.ofArray(new byte[16]));
        PtsafeException e = assertThrows(PtsafeException.class,
                () -> SafetensorsWriter.create().add(z).write(dir.resolve("z.safetensors")));
        assertEquals(Reason.CANNOT_WRITE, e.reason());
        assertTrue(e.getMessage().contains("'z' is C128"), e.getMessage());
        assertNothingIn(dir);
    }

    @Test
    void refusesQuantizedAndComplex32() throws PtsafeException {
        for (DType t : new DType[] {DType.QINT8, DType.QUINT8, DType.QINT32, DType.C32}) {
            Tensor q = Tensor.of("q", t, new long[] {1}, MemorySegment.ofArray(new byte[t.bits() / 8]));
            assertEquals(Reason.CANNOT_WRITE, assertThrows(PtsafeException.class,
                    () -> SafetensorsWriter.create().add(q).write(dir.resolve("q.safetensors"))).reason());
        }
        assertNothingIn(dir);
    }

    @Test
    void refusesBadNames() throws PtsafeException {
        Tensor t = f32("t", 1);
        for (String bad : new String[] {"", "__metadata__", "lone\uD800surrogate"}) {
            PtsafeException e = assertThrows(PtsafeException.class,
                    () -> SafetensorsWriter.create().add(bad, t).write(dir.resolve("n.safetensors")));
            assertEquals(Reason.CANNOT_WRITE, e.reason(), bad);
        }
        PtsafeException dup = assertThrows(PtsafeException.class,
                () -> SafetensorsWriter.create().add("a", t).add("a", t).write(dir.resolve("n.safetensors")));
        assertEquals(Reason.CANNOT_WRITE, dup.reason());
        assertTrue(dup.getMessage().contains("'a' is given twice"));
        PtsafeException meta = assertThrows(PtsafeException.class, () -> SafetensorsWriter.create().add(t)
                .metadata("k\uDC00", "v").write(dir.resolve("n.safetensors")));
        assertEquals(Reason.CANNOT_WRITE, meta.reason());
        assertNothingIn(dir);
    }

    @Test
    void refusesAHeaderReadersWouldRefuse() throws PtsafeException {
        Tensor t = f32("t", 1);
        String huge = "x".repeat(1 << 20);
        SafetensorsWriter w = SafetensorsWriter.create().add(t);
        for (int i = 0; i < 100; i++) {
            w.metadata("k" + i, huge);
        }
        PtsafeException e = assertThrows(PtsafeException.class, () -> w.write(dir.resolve("big.safetensors")));
        assertEquals(Reason.CANNOT_WRITE, e.reason());
        assertTrue(e.getMessage().contains("100000000"), e.getMessage());
    }

    // --- atomicity ----------------------------------------------------------------------------------

    @Test
    void aFailureMidwayLeavesNothingAndKeepsTheOldTarget() throws IOException {
        Path target = dir.resolve("model.safetensors");
        Files.writeString(target, "old content");
        Tensor big = Tensor.of("big", DType.U8, new long[] {3L * DataCopier.CHUNK},
                MemorySegment.ofArray(new byte[3 * DataCopier.CHUNK]));
        SafetensorsWriter w = SafetensorsWriter.create().add(big).progress((done, total) -> {
            if (done > DataCopier.CHUNK) {
                throw new UncheckedIOException(new IOException("injected: disk full"));
            }
        });
        assertThrows(UncheckedIOException.class, () -> w.write(target));
        assertEquals("old content", Files.readString(target));
        assertEquals(List.of(target), list(dir));
    }

    @Test
    void anInterruptLeavesNothingAndKeepsTheOldTarget() throws IOException {
        Path target = dir.resolve("model.safetensors");
        Files.writeString(target, "old content");
        Tensor big = Tensor.of("big", DType.U8, new long[] {3L * DataCopier.CHUNK},
                MemorySegment.ofArray(new byte[3 * DataCopier.CHUNK]));
        SafetensorsWriter w = SafetensorsWriter.create().add(big)
                .progress((done, total) -> Thread.currentThread().interrupt());
        try {
            PtsafeException e = assertThrows(PtsafeException.class, () -> w.write(target));
            assertEquals(Reason.IO_ERROR, e.reason());
            assertTrue(e.getMessage().contains("interrupted"), e.getMessage());
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt status is kept");
        }
        assertEquals("old content", Files.readString(target));
        assertEquals(List.of(target), list(dir));
    }

    @Test
    void aTensorWhoseFileWasClosedFailsCleanly() throws IOException {
        Path target = dir.resolve("model.safetensors");
        Tensor t;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment s = arena.allocate(16);
            t = Tensor.builder("w", DType.F32, new long[] {4}, s).arena(arena).file(dir.resolve("src.pt")).build();
        }
        assertThrows(TensorFileClosedException.class, () -> SafetensorsWriter.create().add(t).write(target));
        assertNothingIn(dir);
    }

    @Test
    void replacesAnExistingTargetAtomically() throws IOException {
        Path target = dir.resolve("model.safetensors");
        Files.writeString(target, "old content");
        SafetensorsWriter.create().add(f32("w", 1, 2)).write(target);
        RawSafetensors.read(target).checkValid();
        assertEquals(List.of(target), list(dir));
    }

    @Test
    void refusesAMissingFolderOrAFolderTarget() throws PtsafeException {
        Tensor t = f32("w", 1);
        assertEquals(Reason.IO_ERROR, assertThrows(PtsafeException.class,
                () -> SafetensorsWriter.create().add(t).write(dir.resolve("no/such/x.safetensors"))).reason());
        assertEquals(Reason.CANNOT_WRITE, assertThrows(PtsafeException.class,
                () -> SafetensorsWriter.create().add(t).write(dir)).reason());
        assertNothingIn(dir);
    }

    static String readHeader(Path p) {
        try {
            return RawSafetensors.read(p).headerJson();
        } catch (IOException e) {
            return e.toString();
        }
    }

    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    static void assertNothingIn(Path dir) {
        try {
            assertEquals(List.of(), list(dir));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
