package io.ptsafe.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.safetensors.ConversionReport;
import io.ptsafe.safetensors.SafetensorsConverter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any bytes as a file, converted to safetensors when ptsafe opens it ({@link SafetensorsConverter},
 * which writes, reads back and compares): the conversion either refuses with a
 * {@link PtsafeException} and leaves no file, or writes a file that opens again with the tensors its
 * report lists, each of the dtype, shape and size reported. Names, metadata and values come from
 * the hostile file, so this drives the writer's escaping, deduplication of shared storages and
 * copies of views. Only files whose tensors fit {@link Hostile#COPY_BUDGET} are converted.
 */
class ConvertFuzzTest {
    private static final SafetensorsConverter CONVERTER = SafetensorsConverter.builder()
            .loadOptions(Hostile.OPTIONS).build();

    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "30s")
    void convert(byte[] bytes) throws IOException {
        Path p = Hostile.file(dir, "input.bin", bytes);
        Path out = dir.resolve("out.safetensors");
        Files.deleteIfExists(out);
        try (TensorFile in = SafeLoader.open(p, Hostile.OPTIONS)) {
            long total = 0;
            for (Tensor t : in.tensors()) {
                total += t.byteSize();
            }
            if (total > Hostile.COPY_BUDGET) {
                return;
            }
            ConversionReport report;
            try {
                report = CONVERTER.convert(in, out);
            } catch (PtsafeException e) {
                Hostile.refused(e, p);
                if (Files.exists(out)) {
                    throw new AssertionError("a refused conversion left " + out, e);
                }
                return;
            }
            try (TensorFile written = SafeLoader.open(out, Hostile.OPTIONS)) {
                if (written.tensors().size() != report.tensors().size()) {
                    throw new AssertionError("report lists " + report.tensors().size() + " tensors, the file has "
                            + written.tensors().size());
                }
                for (ConversionReport.WrittenTensor w : report.tensors()) {
                    Tensor t = written.tensor(w.name());
                    if (t.dtype() != w.dtype() || !java.util.Arrays.equals(t.shape(), w.shape())
                            || t.byteSize() != w.bytes()) {
                        throw new AssertionError("written " + t + " is not as reported: " + w);
                    }
                }
                Hostile.readAll(written);
            }
        } catch (PtsafeException e) {
            Hostile.refused(e, p);
        }
    }
}
