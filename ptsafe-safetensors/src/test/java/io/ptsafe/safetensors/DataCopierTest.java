package io.ptsafe.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
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
        new DataCopier(new Progress(ProgressListener.NONE, layout.dataBytes())).write(layout, file, file);
        assertArrayEquals(Files.readAllBytes(expected), Files.readAllBytes(file));
    }

    /**
     * Writes are cut at each {@link DataCopier#BLOCK} of the file, across the header and tensor
     * boundaries: mapped tensors of odd sizes, several blocks long, come out byte for byte as the
     * heap tensors they were written from.
     */
    @Test
    void blocksCutAcrossTensorsKeepEveryByte() throws IOException {
        Random random = new Random(17);
        SafetensorsWriter heap = SafetensorsWriter.create().metadata("format", "pt");
        for (int i = 0; i < 4; i++) {
            byte[] bytes = new byte[DataCopier.BLOCK * (i + 1) + 2 * i + 1];
            random.nextBytes(bytes);
            heap.add(Tensor.of("t" + i, DType.U8, new long[] {bytes.length}, MemorySegment.ofArray(bytes)));
        }
        Path source = dir.resolve("source.safetensors");
        heap.write(source);
        Path copy = dir.resolve("copy.safetensors");
        try (TensorFile in = SafeLoader.open(source)) {
            SafetensorsWriter.write(in, copy);
        }
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(copy));
    }

    /**
     * A source truncated under its mapping while being converted (the pages about to be written
     * are gone): a refusal naming the tensor, no temporary file left, never an InternalError.
     */
    @Test
    void aSourceTruncatedWhileCopiedIsRefusedAsChanged() throws IOException {
        byte[] bytes = new byte[3 * DataCopier.BLOCK];
        new Random(3).nextBytes(bytes);
        Path source = dir.resolve("source.safetensors");
        SafetensorsWriter.create().add(Tensor.of("big", DType.U8, new long[] {bytes.length},
                MemorySegment.ofArray(bytes))).write(source);
        Path out = dir.resolve("out");
        Files.createDirectory(out);
        boolean[] truncated = {false};
        SafetensorsConverter c = SafetensorsConverter.builder().progress((done, total) -> {
            if (!truncated[0]) { // after the first block (the bytes up to 1 MiB of the output)
                truncated[0] = true;
                try (FileChannel ch = FileChannel.open(source, StandardOpenOption.WRITE)) {
                    ch.truncate(DataCopier.BLOCK);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }).build();
        try (TensorFile in = SafeLoader.open(source)) {
            PtsafeException e = assertThrows(PtsafeException.class, () -> c.convert(in, out));
            assertEquals(Reason.FILE_CHANGED, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("tensor 'big'"), e.getMessage());
        }
        try (var left = Files.list(out)) {
            assertEquals(List.of(), left.toList());
        }
    }
}
