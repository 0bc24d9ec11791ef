package io.ptsafe.spi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFileClosedException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** What the tensors of one file share through its arena: shapes while opening, and the mapping. */
class FileArenaTest {
    private static final Path FILE = Path.of("model.safetensors");

    @Test
    void equalShapesShareOneArrayWhileOpening() {
        try (FileArena arena = new FileArena(Arena.ofConfined())) {
            long[] first = {4, 3};
            assertSame(first, arena.intern(first));
            assertSame(first, arena.intern(new long[] {4, 3}));
            long[] other = {3, 4};
            assertSame(other, arena.intern(other));
            long[] scalar = {};
            assertSame(scalar, arena.intern(scalar));
            assertSame(scalar, arena.intern(new long[0]));
            // past the first table (64 slots): earlier shapes are still found after it grows
            long[][] many = new long[500][];
            for (int i = 0; i < many.length; i++) {
                many[i] = new long[] {i, 7};
                assertSame(many[i], arena.intern(many[i]));
            }
            for (int i = 0; i < many.length; i++) {
                assertSame(many[i], arena.intern(new long[] {i, 7}), "shape " + i);
            }
            assertSame(first, arena.intern(new long[] {4, 3}));
            arena.opened();
            long[] later = {4, 3};
            assertSame(later, arena.intern(later), "no table kept once the file is opened");
        }
    }

    /**
     * Every shape of a file is shared, whatever the process's seed: linear probing at half load forms a run
     * of {@link FileArena#MAX_PROBES} cells in about a quarter of tables of 500 shapes, and a shape that met
     * one used to go unshared (the test above failed at random in CI). Now the table grows instead.
     */
    @Test
    void everyShapeIsSharedUnderAnySeed() {
        for (long seed = 0; seed < 2_000; seed++) {
            try (FileArena arena = new FileArena(Arena.ofConfined(), seed)) {
                long[][] many = new long[500][];
                for (int i = 0; i < many.length; i++) {
                    many[i] = new long[] {i, 7};
                    assertSame(many[i], arena.intern(many[i]));
                }
                for (int i = 0; i < many.length; i++) {
                    assertSame(many[i], arena.intern(new long[] {i, 7}), "seed " + seed + ", shape " + i);
                }
            }
        }
    }

    /**
     * Shapes a header can choose to share one {@code Arrays.hashCode} ([0, i, 31 * (n - i)]: zero-sized
     * tensors may have any of them). The table's seeded hash spreads them, so they are still found and
     * shared; and no lookup probes more than {@link FileArena#MAX_PROBES} cells whatever the hash does.
     */
    @Test
    void shapesChosenToShareAHashCodeAreStillInterned() {
        int n = 20_000;
        try (FileArena arena = new FileArena(Arena.ofConfined())) {
            long[][] shapes = new long[n][];
            for (int i = 0; i < n; i++) {
                shapes[i] = new long[] {0, i, 31L * (n - i)};
                assertEquals(Arrays.hashCode(shapes[0]), Arrays.hashCode(shapes[i]));
                assertSame(shapes[i], arena.intern(shapes[i]));
            }
            int shared = 0;
            for (int i = 0; i < n; i++) {
                long[] again = arena.intern(new long[] {0, i, 31L * (n - i)});
                assertArrayEquals(shapes[i], again);
                shared += again == shapes[i] ? 1 : 0;
            }
            // Under Arrays.hashCode they would form one run, and all but the first MAX_PROBES go unshared.
            assertTrue(shared > n * 99 / 100, shared + " of " + n + " shared");
        }
    }

    @Test
    void tensorsOverTheMappingReadTheirRangeAndRefuseAfterClose() throws Exception {
        FileArena arena = new FileArena(Arena.ofShared());
        MemorySegment mapping = arena.allocate(64, 16);
        for (int i = 0; i < 16; i++) {
            mapping.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, i);
        }
        arena.mapped(mapping.asReadOnly(), FILE);
        Tensor a = Tensor.builder("a", DType.F32, new long[] {2, 2}, mapping.asSlice(16, 16)).arena(arena).file(FILE)
                .build();
        Tensor b = Tensor.builder("b", DType.F32, new long[] {2, 2}, mapping.asSlice(48, 16)).arena(arena).file(FILE)
                .build();
        // a storage outside the mapping (an inflated record) is a tensor of its own
        MemorySegment inflated = arena.allocate(8, 8);
        inflated.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 1, 9f);
        Tensor c = Tensor.builder("c", DType.F32, new long[] {2}, inflated).arena(arena).file(FILE).build();
        assertArrayEquals(new float[] {4, 5, 6, 7}, a.toFloatArray());
        assertArrayEquals(new float[] {12, 13, 14, 15}, b.toFloatArray());
        assertArrayEquals(new float[] {0, 9}, c.toFloatArray());
        assertEquals(mapping.address() + 48, b.storage().address());
        assertEquals(16, b.storage().byteSize());
        assertEquals(mapping.address() + 56, b.slice(1, 2).data().address(), "a row is a zero-copy slice");
        assertEquals(mapping.address() + 48, b.slice(1, 0, 1).storage().address(), "a view shares the storage");
        assertArrayEquals(new float[] {13, 15}, b.slice(1, 1, 2).toFloatArray());
        assertEquals(FILE, a.file());
        long[] shape = a.shape();
        shape[0] = 99;
        assertArrayEquals(new long[] {2, 2}, b.shape(), "a shared shape is never handed out");
        assertNotSame(a.shape(), b.shape());
        arena.close();
        assertThrows(TensorFileClosedException.class, a::data);
        assertThrows(TensorFileClosedException.class, b::storage);
        assertThrows(TensorFileClosedException.class, c::toFloatArray);
    }

    /**
     * {@link FileArena#tensor} makes what the builder makes of the same range, and refuses what it
     * refuses with its reason and message; a shape it is given is copied (the caller writes it again),
     * and shared with an equal one of the file.
     */
    @Test
    void tensorOfARangeIsTheBuildersTensor() throws Exception {
        try (FileArena arena = new FileArena(Arena.ofShared())) {
            MemorySegment mapping = arena.allocate(64, 16);
            for (int i = 0; i < 16; i++) {
                mapping.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, i);
            }
            arena.mapped(mapping.asReadOnly(), FILE);
            long[][] shapes = {{2, 2}, {}, {4}, {0}, {0, 3}, {1, 1, 4}, {2, 8}};
            for (DType dtype : new DType[] {DType.F32, DType.U8, DType.F4, DType.F6_E2M3, DType.C128, DType.QINT8}) {
                for (long[] shape : shapes) {
                    for (long[] range : new long[][] {{16, 16}, {0, 64}, {60, 4}, {8, 0}, {48, 16}}) {
                        String what = dtype + Arrays.toString(shape) + " over " + Arrays.toString(range);
                        long[] scratch = shape.clone();
                        Object fast = outcome(() -> arena.tensor("t", dtype, scratch, range[0], range[1]));
                        Object built = outcome(() -> Tensor.builder("t", dtype, shape, mapping.asSlice(range[0], range[1]))
                                .arena(arena).file(FILE).build());
                        assertEquals(built, fast, what);
                    }
                }
            }
            long[][] refused = {{-1}, {4, -2}, {0, 1L << 40, 1L << 40}, {1L << 40, 1L << 40, 0}, {1L << 62}};
            for (long[] shape : refused) {
                Object fast = outcome(() -> arena.tensor("t", DType.F32, shape, 0, 16));
                Object built = outcome(() -> Tensor.builder("t", DType.F32, shape, mapping.asSlice(0, 16)).arena(arena)
                        .file(FILE).build());
                assertEquals(built, fast, Arrays.toString(shape));
                assertEquals(true, built.toString().startsWith("refused"), Arrays.toString(shape));
            }
            long[] scratch = {2, 2};
            Tensor a = arena.tensor("a", DType.F32, scratch, 0, 16);
            scratch[1] = 5;
            assertArrayEquals(new long[] {2, 2}, a.shape(), "the caller's array is not kept");
            assertThrows(IndexOutOfBoundsException.class, () -> arena.tensor("b", DType.F32, new long[] {4}, 56, 16));
        }
    }

    @FunctionalInterface
    private interface Make {
        Tensor make() throws PtsafeException;
    }

    /** What a user sees of a tensor made, or of its refusal. */
    private static String outcome(Make make) {
        try {
            Tensor t = make.make();
            return "tensor " + t.name() + " " + t.dtype() + Arrays.toString(t.shape()) + " storage "
                    + t.storage().address() + "+" + t.storage().byteSize() + " data " + t.data().address() + "+"
                    + t.data().byteSize() + " strides " + Arrays.toString(t.strides()) + " view " + t.isView()
                    + " numel " + t.numel() + " file " + t.file() + " order " + t.storageByteOrder() + " offset "
                    + t.storageOffset() + " quantization " + t.quantization();
        } catch (PtsafeException e) {
            return "refused " + e.reason() + ": " + e.getMessage();
        }
    }
}
