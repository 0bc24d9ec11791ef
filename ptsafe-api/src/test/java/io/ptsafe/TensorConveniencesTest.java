package io.ptsafe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.spi.BasicTensorFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

/** The safetensors-style conveniences: typed factories, exact conversions, slices, keys. */
class TensorConveniencesTest {

    private static float[] range(int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = i;
        }
        return f;
    }

    @Test
    void typedFactoriesWriteLittleEndian() {
        Tensor f = Tensor.of("f", new float[] {1.5f, -2f}, 2);
        assertEquals(DType.F32, f.dtype());
        assertEquals(1.5f, f.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
        assertEquals(0x01, Tensor.of("i", new int[] {0x04030201}, 1).data().get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0x01, Tensor.of("l", new long[] {0x0807060504030201L}, 1).data().get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0x01, Tensor.of("s", new short[] {0x0201}, 1).data().get(ValueLayout.JAVA_BYTE, 0));
        assertArrayEquals(new double[] {0.25, 3}, Tensor.of("d", new double[] {0.25, 3}, 1, 2).toDoubleArray());
        assertArrayEquals(new byte[] {-1, 7}, Tensor.of("b", new byte[] {-1, 7}, 2).toByteArray());
        assertEquals(0, Tensor.of("e", new float[0], 0, 3).numel());
        assertArrayEquals(new long[0], Tensor.of("scalar", new long[] {5}).shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of("w", new float[5], 2, 3));
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of("w", new float[0], -1));
    }

    @Test
    void exactIntegerConversions() {
        Tensor u8 = Tensor.of("u8", DType.U8, new long[] {3}, MemorySegment.ofArray(new byte[] {0, 1, (byte) 255}));
        assertArrayEquals(new long[] {0, 1, 255}, u8.toLongArray());
        assertArrayEquals(new int[] {0, 1, 255}, u8.toIntArray());
        assertArrayEquals(new short[] {0, 1, 255}, u8.toShortArray());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, u8::toByteArray);
        assertTrue(e.getMessage().contains("'u8' is U8"), e.getMessage());

        Tensor u32 = Tensor.of("u32", DType.U32, new long[] {1}, MemorySegment.ofArray(new byte[] {-1, -1, -1, -1}));
        assertArrayEquals(new long[] {0xffff_ffffL}, u32.toLongArray());
        assertThrows(UnsupportedOperationException.class, u32::toIntArray);

        Tensor u16 = Tensor.of("u16", DType.U16, new long[] {1}, MemorySegment.ofArray(new byte[] {-1, -1}));
        assertArrayEquals(new int[] {65535}, u16.toIntArray());
        assertThrows(UnsupportedOperationException.class, u16::toShortArray);

        Tensor i16 = Tensor.of("i16", new short[] {-3, 300}, 2);
        assertArrayEquals(new short[] {-3, 300}, i16.toShortArray());
        assertArrayEquals(new int[] {-3, 300}, i16.toIntArray());
        assertArrayEquals(new long[] {-3, 300}, i16.toLongArray());

        Tensor bool = Tensor.of("b", DType.BOOL, new long[] {3}, MemorySegment.ofArray(new byte[] {0, 1, 2}));
        assertArrayEquals(new byte[] {0, 1, 1}, bool.toByteArray());

        Tensor u64 = Tensor.of("u64", DType.U64, new long[] {1}, MemorySegment.ofArray(new byte[8]));
        assertThrows(UnsupportedOperationException.class, u64::toLongArray);
        assertThrows(UnsupportedOperationException.class, () -> Tensor.of("f", new float[1], 1).toIntArray());
        assertArrayEquals(new long[] {1L << 40}, Tensor.of("l", new long[] {1L << 40}, 1).toLongArray());
    }

    @Test
    void multiDimensionSlicesShareTheStorage() {
        // t = arange(24).reshape(4, 3, 2); t[1:3, :, 0:1] and t[1:3] in torch
        Tensor t = Tensor.of("t", range(24), 4, 3, 2);
        Tensor rows = t.slice(Slice.range(1, 3));
        assertFalse(rows.isView(), "a range of rows is contiguous");
        assertEquals(t.data().address() + 6 * 4, rows.data().address());
        Tensor s = t.slice(Slice.range(1, 3), Slice.all(), Slice.range(0, 1));
        assertArrayEquals(new long[] {2, 3, 1}, s.shape());
        assertTrue(s.isView());
        assertArrayEquals(new float[] {6, 8, 10, 12, 14, 16}, s.toFloatArray());
        assertArrayEquals(new float[] {6, 8, 10, 12, 14, 16}, t.slice(2, 0, 1).slice(0, 1, 3).toFloatArray());
        // steps: t[::2, 1, :]
        assertArrayEquals(new float[] {2, 3, 14, 15}, t.slice(Slice.range(0, 4, 2), Slice.range(1, 2)).toFloatArray());
        assertEquals(0, t.slice(1, 3, 3).numel());
        assertArrayEquals(new long[] {1, 3, 2}, t.slice(Slice.range(1, 4, Long.MAX_VALUE)).shape());
        assertEquals("1:3", Slice.range(1, 3).toString());
        assertEquals(":", Slice.all().toString());
    }

    @Test
    void badSlicesAreTheCallersMistake() {
        Tensor t = Tensor.of("t", range(24), 4, 3, 2);
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.slice(1, 0, 4));
        assertTrue(e.getMessage().contains("tensor 't'") && e.getMessage().contains("size 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.slice(3, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> t.slice(Slice.all(), Slice.all(), Slice.all(), Slice.all()));
        assertThrows(IllegalArgumentException.class, () -> Slice.range(-1, 2));
        assertThrows(IllegalArgumentException.class, () -> Slice.range(2, 1));
        assertThrows(IllegalArgumentException.class, () -> Slice.range(0, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of("s", new float[] {1}).slice(0, 1));
    }

    @Test
    void fileConveniences() throws PtsafeException {
        Tensor b = Tensor.of("b", new float[] {1}, 1);
        Tensor a = Tensor.of("a", new float[] {2}, 1);
        TensorFile f = new BasicTensorFile(Path.of("m.safetensors"), FileFormat.SAFETENSORS, List.of(b, a),
                Map.of("format", "pt"), null, null, List.of());
        assertEquals(List.of("b", "a"), f.keys());
        assertTrue(f.contains("a"));
        assertFalse(f.contains("c"));
        assertEquals(a, f.tensor("a"));
        assertTrue(f.findTensor("c").isEmpty());
        NoSuchElementException e = assertThrows(NoSuchElementException.class, () -> f.tensor("c"));
        assertTrue(e.getMessage().contains("m.safetensors") && e.getMessage().contains("'c'"), e.getMessage());
        assertEquals(Map.of("format", "pt"), f.metadata());
        assertEquals(List.of(1f, 2f), f.tensors().stream().map(Tensor::toFloatArray).map(x -> x[0]).toList());
    }
}
