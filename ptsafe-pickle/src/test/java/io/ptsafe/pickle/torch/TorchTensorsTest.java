package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ptsafe.DType;
import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.TorchZips;
import io.ptsafe.pickle.TorchZips.Pkl;
import io.ptsafe.pickle.zip.TorchZipReader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tensor rebuilds torch 1.13 cannot write (v3 with untyped storages and newer dtypes, subclasses,
 * meta tensors) and the tensor-level refusals, on hand-assembled data.pkl files.
 */
class TorchTensorsTest {
    static final byte[] FOUR = {1, 2, 3, 4};

    @TempDir
    Path dir;

    TensorFile open(byte[] pkl, Map<String, byte[]> records) throws Exception {
        return open(pkl, records, LoadOptions.defaults());
    }

    TensorFile open(byte[] pkl, Map<String, byte[]> records, LoadOptions o) throws Exception {
        return TorchZipReader.open(TorchZips.checkpoint(dir.resolve("t.pt"), pkl, records), o);
    }

    PtsafeException refused(byte[] pkl, Map<String, byte[]> records) {
        return assertThrows(PtsafeException.class, () -> open(pkl, records).close());
    }

    /** _rebuild_tensor_v3(('storage', UntypedStorage, '0', 'cpu', 4), 0, size, stride, False, OrderedDict(), dtype). */
    static byte[] v3(String dtype, int[] size, int[] stride) {
        Pkl p = new Pkl().global("torch._utils._rebuild_tensor_v3").op('(')
                .storage("torch.storage.UntypedStorage", "0", 4).integer(0).ints(size).ints(stride).op(0x89)
                .emptyOrderedDict().global(dtype).op('t', 'R');
        return p.stop();
    }

    @Test
    void v3WithUntypedStorageAndNewDtypes() throws Exception {
        try (TensorFile f = open(v3("torch.float8_e4m3fn", new int[] {2, 2}, new int[] {2, 1}), Map.of("0", FOUR))) {
            Tensor t = f.tensor("");
            assertEquals(DType.F8_E4M3, t.dtype());
            assertArrayEquals(new long[] {2, 2}, t.shape());
            assertArrayEquals(FOUR, t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
        try (TensorFile f = open(v3("torch.uint16", new int[] {2}, new int[] {1}), Map.of("0", FOUR))) {
            assertEquals(DType.U16, f.tensor("").dtype());
        }
        assertEquals(Reason.VIEW_OUT_OF_BOUNDS,
                refused(v3("torch.uint32", new int[] {2}, new int[] {1}), Map.of("0", FOUR)).reason());
        assertEquals(Reason.UNSUPPORTED_FORMAT,
                refused(v3("torch.bits8", new int[] {2}, new int[] {1}), Map.of("0", FOUR)).reason());
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS,
                refused(v3("collections.OrderedDict", new int[] {2}, new int[] {1}), Map.of("0", FOUR)).reason());
    }

    @Test
    void recordSizeUsesTheStorageType() throws Exception {
        byte[] pkl = new Pkl().tensorV2("torch.FloatStorage", "0", 1, 0, new int[] {1}, new int[] {1}).stop();
        try (TensorFile f = open(pkl, Map.of("0", FOUR))) {
            assertEquals(DType.F32, f.tensor("").dtype());
        }
        assertEquals(Reason.RECORD_SIZE_MISMATCH, refused(
                new Pkl().tensorV2("torch.DoubleStorage", "0", 1, 0, new int[] {1}, new int[] {1}).stop(),
                Map.of("0", FOUR)).reason());
        assertEquals(Reason.MISSING_RECORD, refused(pkl, Map.of("1", FOUR)).reason());
    }

    @Test
    void subclassRebuildAndParameter() throws Exception {
        Pkl p = new Pkl().global("torch._tensor._rebuild_from_type_v2").op('(')
                .global("torch._utils._rebuild_tensor_v2").global("torch.nn.parameter.Parameter").op('(')
                .storage("torch.FloatStorage", "0", 1).integer(0).ints(1).ints(1).op(0x88).emptyOrderedDict()
                .op('t', '}', 't', 'R');
        try (TensorFile f = open(p.stop(), Map.of("0", FOUR))) {
            assertEquals(DType.F32, f.tensor("").dtype());
        }
        Pkl bad = new Pkl().global("torch._tensor._rebuild_from_type_v2").op('(')
                .global("torch._utils._rebuild_tensor_v2").global("collections.OrderedDict").op('(')
                .storage("torch.FloatStorage", "0", 1).integer(0).ints(1).ints(1).op(0x88).emptyOrderedDict()
                .op('t', '}', 't', 'R');
        assertEquals(Reason.UNSUPPORTED_FORMAT, refused(bad.stop(), Map.of("0", FOUR)).reason());
        Pkl notRebuild = new Pkl().global("torch._tensor._rebuild_from_type_v2").op('(')
                .global("builtins.set").global("torch.Tensor").op(')', '}', 't', 'R');
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, refused(notRebuild.stop(), Map.of()).reason());
    }

    @Test
    void metaTensorsAreOpaqueAndUnlisted() throws Exception {
        Pkl p = new Pkl().global("torch._utils._rebuild_meta_tensor_no_storage").op('(').global("torch.float32")
                .ints(2, 3).ints(3, 1).op(0x89, 't', 'R');
        try (TensorFile f = open(p.stop(), Map.of())) {
            assertEquals(List.of(), f.tensors());
            PyValue.Opaque o = assertInstanceOf(PyValue.Opaque.class, f.root());
            assertEquals("torch._utils._rebuild_meta_tensor_no_storage", o.global());
            assertEquals(new PyValue.Opaque("torch.float32", List.of(), null), o.args().getFirst());
        }
    }

    @Test
    void refusedRebuilds() {
        Pkl sparse = new Pkl().global("torch._utils._rebuild_sparse_tensor").op('(')
                .global("torch.serialization._get_layout").str("torch.sparse_coo").op(0x85, 'R', ')', 't', 'R');
        assertEquals(Reason.UNSUPPORTED_FORMAT, refused(sparse.stop(), Map.of()).reason());
        Pkl conj = new Pkl().global("torch._utils._rebuild_tensor_v2").op('(')
                .storage("torch.FloatStorage", "0", 1).integer(0).ints(1).ints(1).op(0x89).emptyOrderedDict()
                .op('}').str("conj").op(0x88, 's', 't', 'R');
        assertEquals(Reason.UNSUPPORTED_FORMAT, refused(conj.stop(), Map.of("0", FOUR)).reason());
        Pkl hooks = new Pkl().global("torch._utils._rebuild_tensor_v2").op('(')
                .storage("torch.FloatStorage", "0", 1).integer(0).ints(1).ints(1).op(0x89).emptyOrderedDict()
                .str("hook").op('N', 's', 't', 'R');
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, refused(hooks.stop(), Map.of("0", FOUR)).reason());
        Pkl strides = new Pkl().global("torch._utils._rebuild_tensor_v2").op('(')
                .storage("torch.FloatStorage", "0", 1).integer(0).ints(1, 1).ints(1).op(0x89).emptyOrderedDict()
                .op('t', 'R');
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, refused(strides.stop(), Map.of("0", FOUR)).reason());
        Pkl badKey = new Pkl().tensorV2("torch.FloatStorage", "../x", 1, 0, new int[] {1}, new int[] {1});
        assertEquals(Reason.INVALID_PERSISTENT_ID, refused(badKey.stop(), Map.of("0", FOUR)).reason());
        Pkl typed = new Pkl().tensorV2("torch.storage.TypedStorage", "0", 1, 0, new int[] {1}, new int[] {1});
        assertEquals(Reason.INVALID_PERSISTENT_ID, refused(typed.stop(), Map.of("0", FOUR)).reason());
    }

    @Test
    void bareStorageIsAOneDimensionalTensor() throws Exception {
        byte[] pkl = new Pkl().storage("torch.ShortStorage", "0", 2).stop();
        try (TensorFile f = open(pkl, Map.of("0", FOUR))) {
            Tensor t = f.tensor("");
            assertEquals(DType.I16, t.dtype());
            assertArrayEquals(new long[] {2}, t.shape());
        }
    }

    @Test
    void namingRule() throws Exception {
        // {(1, 'a'): t, True: [t], 'x': {'y': t}} with one tensor object shared.
        Pkl p = new Pkl().op('}', '(').integer(1).str("a").op(0x86)
                .tensorV2("torch.FloatStorage", "0", 1, 0, new int[] {}, new int[] {}).op('q', 1)
                .op(0x88, ']', 'h', 1, 'a')
                .str("x").op('}').str("y").op('h', 1, 's')
                .op('u');
        try (TensorFile f = open(p.stop(), Map.of("0", FOUR))) {
            assertEquals(List.of("(1, 'a')", "True.0", "x.y"), f.tensors().stream().map(Tensor::name).toList());
            assertNotSame(f.tensors().get(0), f.tensors().get(2));
            assertEquals(f.tensors().get(0).storage().address(), f.tensors().get(2).storage().address());
        }
        byte[] clash = new Pkl().op('}', '(').str("a.b")
                .tensorV2("torch.FloatStorage", "0", 1, 0, new int[] {}, new int[] {}).op('q', 1)
                .str("a").op('}').str("b").op('h', 1, 's', 'u').stop();
        assertEquals(Reason.DUPLICATE_TENSOR, refused(clash, Map.of("0", FOUR)).reason());
    }

    @Test
    void aTensorUnderASecondNameKeepsItsView() throws Exception {
        // {'a': t, 'b': [t]}: t a 2x3 view with strides (1, 2) at element 1 of a 7-element storage,
        // listed twice; the second Tensor is rebuilt from the first (no table of leaves is kept).
        Pkl p = new Pkl().op('}', '(').str("a")
                .tensorV2("torch.FloatStorage", "0", 7, 1, new int[] {2, 3}, new int[] {1, 2}).op('q', 1)
                .str("b").op(']', 'h', 1, 'a')
                .op('u');
        byte[] storage = new byte[28];
        for (int i = 0; i < 7; i++) {
            int bits = Float.floatToIntBits(i);
            for (int k = 0; k < 4; k++) {
                storage[4 * i + k] = (byte) (bits >> (8 * k));
            }
        }
        try (TensorFile f = open(p.stop(), Map.of("0", storage))) {
            Tensor a = f.tensor("a");
            Tensor b = f.tensor("b.0");
            assertNotSame(a, b);
            assertArrayEquals(new long[] {2, 3}, b.shape());
            assertArrayEquals(new long[] {1, 2}, b.strides());
            assertEquals(1, b.storageOffset());
            assertEquals(true, b.isView());
            assertEquals(a.storage().address(), b.storage().address());
            assertArrayEquals(new float[] {1, 3, 5, 2, 4, 6}, b.toFloatArray());
            assertArrayEquals(a.toFloatArray(), b.toFloatArray());
        }
    }

    @Test
    void tensorNameLength() throws Exception {
        String key = "k".repeat(100);
        byte[] p = new Pkl().op('}').str(key).tensorV2("torch.FloatStorage", "0", 1, 0, new int[] {}, new int[] {})
                .op('s').stop();
        try (TensorFile f = open(p, Map.of("0", FOUR), LoadOptions.builder().maxStringLength(100).build())) {
            assertEquals(key, f.tensors().getFirst().name());
        }
        LimitExceededException x = assertThrows(LimitExceededException.class,
                () -> open(p, Map.of("0", FOUR), LoadOptions.builder().maxStringLength(99).build()));
        assertEquals("maxStringLength", x.setting());
    }
}
