package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.TorchZips;
import io.ptsafe.pickle.TorchZips.Pkl;
import io.ptsafe.pickle.zip.TorchZipReader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What torch's rebuild functions refuse as they run, refused on every tensor a rebuild creates. */
class RebuildChecksTest {
    static final byte[] EIGHT = new byte[8];

    @TempDir
    Path dir;

    PtsafeException refused(byte[] pkl) {
        return assertThrows(PtsafeException.class, () -> {
            try (TensorFile f = TorchZipReader.open(TorchZips.checkpoint(dir.resolve("t.pt"), pkl, Map.of("0", EIGHT)),
                    LoadOptions.defaults())) {
                f.tensors();
            }
        });
    }

    /** _rebuild_tensor_v2(storage, offset, (size,), (1,), requires_grad, OrderedDict()). */
    static Pkl tensor(String storageClass, int numel, int offset, int size, boolean requiresGrad) {
        return tensor(new Pkl(), storageClass, numel, offset, size, requiresGrad);
    }

    static Pkl tensor(Pkl p, String storageClass, int numel, int offset, int size, boolean requiresGrad) {
        return p.global("torch._utils._rebuild_tensor_v2").op('(').storage(storageClass, "0", numel)
                .integer(offset).ints(size).ints(1).op(requiresGrad ? 0x88 : 0x89).emptyOrderedDict().op('t', 'R');
    }

    @Test
    void requiresGradOnlyOnFloatingPointTensors() {
        PtsafeException x = refused(tensor("torch.LongStorage", 1, 0, 1, true).stop());
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, x.reason());
        assertTrue(x.getMessage().contains("requires_grad=True on a I64 tensor"), x.getMessage());
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, refused(tensor("torch.BoolStorage", 8, 0, 8, true).stop()).reason());
    }

    @Test
    void aTensorTheResultDropsIsCheckedToo() {
        // {'w': <2 floats at offset 1 of a 2-float storage>, 'w': <a valid tensor>}: the first is dropped.
        Pkl p = new Pkl().op('}', '(').str("w");
        tensor(p, "torch.FloatStorage", 2, 1, 2, false).str("w");
        byte[] pkl = tensor(p, "torch.FloatStorage", 2, 0, 2, false).op('u').stop();
        PtsafeException x = refused(pkl);
        assertEquals(Reason.VIEW_OUT_OF_BOUNDS, x.reason(), x.getMessage());
        assertTrue(x.getMessage().contains("reaches byte 12 of storage '0', which holds 2 elements (8 bytes)"),
                x.getMessage());
    }

    @Test
    void storageOffsetMessageNamesTheValueAndTheRange() {
        PtsafeException x = refused(tensor("torch.FloatStorage", 2, -5, 1, false).stop());
        assertEquals(Reason.INVALID_TENSOR_ARGUMENTS, x.reason());
        assertTrue(x.getMessage().contains("storage_offset must be an int from 0 to 4611686018427387903, got -5"),
                x.getMessage());
    }
}
