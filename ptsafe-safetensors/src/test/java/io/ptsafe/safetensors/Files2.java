package io.ptsafe.safetensors;

import io.ptsafe.DType;
import io.ptsafe.FileFormat;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.spi.BasicTensorFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Test helpers: in-memory tensor files shaped like torch checkpoints. */
final class Files2 {
    private Files2() {
    }

    /** A storage of {@code n} bytes counting 0, 1, 2, ... in a shared arena (closed with the file). */
    static MemorySegment storage(Arena arena, int n) {
        MemorySegment s = arena.allocate(Math.max(n, 1)).asSlice(0, n);
        for (int i = 0; i < n; i++) {
            s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) (i * 7 + 1));
        }
        return s;
    }

    static Tensor view(String name, DType t, MemorySegment storage, long offset, long[] shape, long... strides)
            throws PtsafeException {
        Tensor.Builder b = Tensor.builder(name, t, shape, storage).storageOffset(offset);
        if (strides.length > 0) {
            b.strides(strides);
        }
        return b.build();
    }

    /** A file whose root is {@code root} (a dict), its tensors found by walking it as the readers name them. */
    static TensorFile file(Path path, Arena arena, PyValue root) throws PtsafeException {
        List<Tensor> tensors = new ArrayList<>();
        collect("", root, tensors);
        return new BasicTensorFile(path, FileFormat.TORCH_ZIP, tensors, Map.of(), root, arena, List.of());
    }

    private static void collect(String path, PyValue v, List<Tensor> out) throws PtsafeException {
        switch (v) {
            case PyValue.TensorValue t -> {
                Tensor x = t.tensor();
                out.add(x.name().equals(path) ? x : rename(x, path));
            }
            case PyValue.Dict d -> {
                for (Map.Entry<PyValue, PyValue> e : d.entries().entrySet()) {
                    String k = e.getKey() instanceof PyValue.Str s ? s.value() : e.getKey().toString();
                    collect(path.isEmpty() ? k : path + "." + k, e.getValue(), out);
                }
            }
            case PyValue.PyList l -> {
                for (int i = 0; i < l.items().size(); i++) {
                    collect(path.isEmpty() ? "" + i : path + "." + i, l.items().get(i), out);
                }
            }
            default -> {
            }
        }
    }

    private static Tensor rename(Tensor x, String name) throws PtsafeException {
        return Tensor.builder(name, x.dtype(), x.shape(), x.storage()).strides(x.strides())
                .storageOffset(x.storageOffset()).byteOrder(x.storageByteOrder()).file(x.file()).build();
    }

    /** A dict of string keys to values (tensors wrapped). */
    static PyValue.Dict dict(Object... kv) {
        Map<PyValue, PyValue> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            m.put(new PyValue.Str((String) kv[i]), v instanceof Tensor t ? new PyValue.TensorValue(t) : (PyValue) v);
        }
        return new PyValue.Dict(m);
    }
}
