package io.ptsafe.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ptsafe.DType;
import io.ptsafe.FileFormat;
import io.ptsafe.PtsafeException;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FileComparisonTest {
    static Tensor t(String name, DType dtype, long[] shape, byte... bytes) throws PtsafeException {
        return Tensor.of(name, dtype, shape, MemorySegment.ofArray(bytes));
    }

    static TensorFile file(String path, Map<String, String> meta, Tensor... tensors) throws PtsafeException {
        return new InMemoryFile(Path.of(path), FileFormat.SAFETENSORS, List.of(tensors), meta);
    }

    @Test
    void sameTensorsAndAliasesThroughMetadata() throws PtsafeException {
        TensorFile a = file("a.pt", Map.of(), t("w", DType.U8, new long[] {2}, (byte) 1, (byte) 2),
                t("w_tied", DType.U8, new long[] {2}, (byte) 1, (byte) 2));
        TensorFile b = file("b.safetensors", Map.of("format", "pt", "w_tied", "w"),
                t("w", DType.U8, new long[] {2}, (byte) 1, (byte) 2));
        FileComparison.Result r = FileComparison.compare(a, null, b);
        assertEquals(List.of(), r.differences());
        assertEquals(2, r.compared());
        assertEquals(1, r.throughAliases());
    }

    @Test
    void listsEveryKindOfDifference() throws PtsafeException {
        TensorFile a = file("a.pt", Map.of(),
                t("bytes", DType.U8, new long[] {3}, (byte) 1, (byte) 2, (byte) 3),
                t("dtype", DType.U8, new long[] {2}, (byte) 1, (byte) 2),
                t("shape", DType.U8, new long[] {2}, (byte) 1, (byte) 2),
                t("onlyA", DType.U8, new long[] {1}, (byte) 1));
        TensorFile b = file("b.safetensors", Map.of(),
                t("bytes", DType.U8, new long[] {3}, (byte) 1, (byte) 2, (byte) 4),
                t("dtype", DType.I8, new long[] {2}, (byte) 1, (byte) 2),
                t("shape", DType.U8, new long[] {1, 2}, (byte) 1, (byte) 2),
                t("onlyB", DType.U8, new long[] {1}, (byte) 1));
        assertEquals(List.of("'bytes': bytes differ from byte 2", "'dtype': dtype U8 vs I8",
                "'shape': shape [2] vs [1, 2]", "'onlyA': only in a.pt", "'onlyB': only in b.safetensors"),
                FileComparison.compare(a, null, b).differences());
    }
}
