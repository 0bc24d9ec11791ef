package io.ptsafe.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SafetensorsWriter} with names, metadata, dtypes and shapes the fuzzer picks (any UTF-16,
 * lone surrogates and the reserved name included): the write either refuses with
 * {@link Reason#CANNOT_WRITE} (or {@link Reason#MISALIGNED_SLICE} from building a sub-byte tensor)
 * and leaves no file, or the file reads back with exactly the names, metadata, dtypes, shapes and bytes
 * written. A converter writes names and metadata taken from hostile files: the header's escaping
 * must not let them change its structure.
 */
class WriterFuzzTest {
    private static final DType[] DTYPES = DType.values();

    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "30s")
    void write(FuzzedDataProvider in) throws IOException {
        Path out = dir.resolve("out.safetensors");
        Files.deleteIfExists(out);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, byte[]> bytes = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        SafetensorsWriter w = SafetensorsWriter.create();
        try {
            for (int n = in.consumeInt(0, 4); n > 0; n--) {
                String name = in.consumeString(24);
                DType dtype = DTYPES[in.consumeInt(0, DTYPES.length - 1)];
                long[] shape = new long[in.consumeInt(0, 3)];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.consumeInt(0, 5);
                }
                long bits = Arrays.stream(shape).reduce(1, Math::multiplyExact) * dtype.bits();
                byte[] data = in.consumeBytes((int) ((bits + 7) / 8));
                data = Arrays.copyOf(data, (int) ((bits + 7) / 8));
                Tensor t;
                try {
                    t = Tensor.of(name, dtype, shape, MemorySegment.ofArray(data));
                } catch (IllegalArgumentException e) {
                    // A tensor no caller may build (packed 6-bit elements that fill no whole byte) is the
                    // caller's mistake, refused unchecked before anything is written.
                    if (!(e.getCause() instanceof PtsafeException p) || p.reason() != Reason.MISALIGNED_SLICE
                            && p.reason() != Reason.TENSOR_INVALID_INFO) {
                        throw new AssertionError("Tensor.of refused as " + e, e);
                    }
                    if (Files.exists(out)) {
                        throw new AssertionError("a refused tensor left " + out, e);
                    }
                    return;
                }
                w.add(t);
                tensors.put(name, t);
                bytes.put(name, data);
            }
            for (int n = in.consumeInt(0, 3); n > 0; n--) {
                String k = in.consumeString(16);
                String v = in.consumeString(32);
                metadata.put(k, v);
                w.metadata(k, v);
            }
            w.write(out);
        } catch (PtsafeException e) {
            if (e.reason() != Reason.CANNOT_WRITE && e.reason() != Reason.MISALIGNED_SLICE
                    && e.reason() != Reason.TENSOR_INVALID_INFO) {
                throw new AssertionError("refused as " + e.reason(), e);
            }
            if (Files.exists(out)) {
                throw new AssertionError("a refused write left " + out, e);
            }
            return;
        }
        try (TensorFile f = SafeLoader.open(out)) {
            if (!f.metadata().equals(metadata)) {
                throw new AssertionError("metadata " + metadata + " read back as " + f.metadata());
            }
            if (f.tensors().size() != tensors.size()) {
                throw new AssertionError(tensors.size() + " tensors written, " + f.tensors().size() + " read");
            }
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = f.tensor(e.getKey());
                if (t.dtype() != e.getValue().dtype() || !Arrays.equals(t.shape(), e.getValue().shape())
                        || !Arrays.equals(bytes.get(e.getKey()), t.data().toArray(ValueLayout.JAVA_BYTE))) {
                    throw new AssertionError(e.getValue() + " read back as " + t);
                }
            }
        }
    }
}
