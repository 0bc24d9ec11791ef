package io.ptsafe.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.ptsafe.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCopierTest {
    @TempDir
    Path dir;

    /**
     * The copier no longer opens its file with O_TRUNC (see DataCopier#write); a file that is not
     * empty, longer than the output, must still end up holding exactly the output.
     */
    @Test
    void aLongerFileIsEmptiedBeforeWriting() throws IOException {
        Tensor t = SafetensorsWriterTest.f32("w", 1f, 2f, 3f);
        Path expected = dir.resolve("expected.safetensors");
        SafetensorsWriter.create().add(t).write(expected);

        Path file = dir.resolve("stale.tmp");
        Files.write(file, new byte[4096]);
        Layout layout = Layout.plan(List.of(Map.entry("w", t)), Map.of(), file);
        new DataCopier(new Progress(ProgressListener.NONE, layout.dataBytes())).write(layout, file, file, false);
        assertArrayEquals(Files.readAllBytes(expected), Files.readAllBytes(file));
    }
}
