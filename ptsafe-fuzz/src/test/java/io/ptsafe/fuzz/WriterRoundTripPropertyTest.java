package io.ptsafe.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random tensors (every safetensors dtype, shapes with zero dimensions and 0-dim scalars, random
 * bytes) and random metadata written with {@link SafetensorsWriter} read back identically: names,
 * order-independent content, dtypes, shapes, bytes and metadata. Names and metadata draw from
 * quotes, backslashes, control characters, non-ASCII and non-BMP characters, which the JSON header
 * must escape and the reader must unescape.
 */
class WriterRoundTripPropertyTest {
    private static final long SEED = 0x5afe_7e45L;
    private static final int FILES = 300;
    private static final DType[] DTYPES = Arrays.stream(DType.values()).filter(d -> d.safetensorsName().isPresent())
            .toArray(DType[]::new);
    /** Characters a header must carry through JSON: escapes, controls, multi-byte UTF-8, a surrogate pair. */
    private static final String[] PIECES = {"a", "b", "Z", "0", ".", "_", "-", " ", "\"", "\\", "/", "\n", "\t",
            "\u0000", "\u0001", "\u001f", "\u007f", "é", "ß", "\u4e2d", "\u00a0", "\ud83d\ude00", "\u2028", "{", "}",
            "[", ":", ",", "__metadata__"};

    @TempDir
    Path dir;

    @Test
    void randomFilesReadBackIdentically() throws IOException {
        Random r = new Random(SEED);
        for (int i = 0; i < FILES; i++) {
            Map<String, byte[]> bytes = new LinkedHashMap<>();
            List<Tensor> tensors = new ArrayList<>();
            Set<String> names = new LinkedHashSet<>();
            int count = r.nextInt(7);
            while (names.size() < count) {
                String n = text(r, 1 + r.nextInt(6));
                if (!n.equals("__metadata__")) {
                    names.add(n);
                }
            }
            for (String name : names) {
                DType dtype = DTYPES[r.nextInt(DTYPES.length)];
                long[] shape = shape(r, dtype);
                long bits = Arrays.stream(shape).reduce(1, Math::multiplyExact) * dtype.bits();
                byte[] data = new byte[(int) (bits / 8)];
                r.nextBytes(data);
                bytes.put(name, data);
                tensors.add(Tensor.of(name, dtype, shape, MemorySegment.ofArray(data)));
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            for (int m = r.nextInt(4); m > 0; m--) {
                metadata.put(text(r, r.nextInt(5)), text(r, r.nextInt(8)));
            }
            Path file = dir.resolve("random-" + i + ".safetensors");
            SafetensorsWriter w = SafetensorsWriter.create().metadata(metadata);
            tensors.forEach(w::add);
            w.write(file);

            try (TensorFile f = SafeLoader.open(file)) {
                String at = "file " + i + " (seed " + SEED + ")";
                assertEquals(metadata, f.metadata(), at);
                assertEquals(names, new LinkedHashSet<>(f.tensors().stream().map(Tensor::name).toList()), at);
                for (Tensor want : tensors) {
                    Tensor got = f.tensor(want.name());
                    assertEquals(want.dtype(), got.dtype(), at);
                    assertArrayEquals(want.shape(), got.shape(), at);
                    assertArrayEquals(bytes.get(want.name()), got.data().toArray(ValueLayout.JAVA_BYTE),
                            at + " tensor " + want.name());
                }
            }
        }
    }

    @Test
    void namesWithUnpairedSurrogatesAreRefusedNotMangled() throws PtsafeException {
        Tensor t = Tensor.of("x\ud800", DType.U8, new long[] {1}, MemorySegment.ofArray(new byte[1]));
        PtsafeException e = assertThrows(PtsafeException.class,
                () -> SafetensorsWriter.create().add(t).write(dir.resolve("bad.safetensors")));
        assertEquals(Reason.CANNOT_WRITE, e.reason());
    }

    /** Rank 0 to 4, each dimension 0 to 4 (zero one time in five); sub-byte dtypes fill whole bytes. */
    private static long[] shape(Random r, DType dtype) {
        while (true) {
            long[] shape = new long[r.nextInt(5)];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = r.nextInt(5) == 0 ? 0 : 1 + r.nextInt(4);
            }
            long numel = Arrays.stream(shape).reduce(1, Math::multiplyExact);
            if (numel * dtype.bits() % 8 == 0) {
                return shape;
            }
        }
    }

    private static String text(Random r, int pieces) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pieces; i++) {
            sb.append(PIECES[r.nextInt(PIECES.length)]);
        }
        return sb.toString();
    }
}
