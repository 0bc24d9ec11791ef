package io.ptsafe.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.FileFormat;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvertToSafetensorsTest {

    @Test
    void convertsTheSampleMlpAndVerifiesIt(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("mlp.safetensors");
        Repo.Run run = Repo.run(ConvertToSafetensors::run, Repo.file("samples/mlp.pt").toString(), target.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("verified: 4 tensors, 268 bytes identical"), run.out());

        try (TensorFile f = SafeLoader.open(target)) {
            assertEquals(FileFormat.SAFETENSORS, f.format());
            assertEquals(List.of("0.bias", "0.weight", "2.bias", "2.weight"),
                    f.tensors().stream().map(Tensor::name).sorted().toList());
            assertArrayEquals(new long[] {8, 4}, f.tensor("0.weight").shape());
            assertEquals("pt", f.metadata().get("format"));
        }
    }

    @Test
    void theMlpReadsTheSameFromBothFiles(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("mlp.safetensors");
        assertEquals(0, Repo.run(ConvertToSafetensors::run, Repo.file("samples/mlp.pt").toString(), target.toString()).status());
        // Example 4's forward pass on the converted file gives what it gives on the checkpoint.
        DjlMlp.Batch input = DjlMlp.Batch.read(Repo.file("samples/mlp.input.json"));
        var quiet = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        assertArrayEquals(DjlMlp.forward(Repo.file("samples/mlp.pt"), input, quiet).values(),
                DjlMlp.forward(target, input, quiet).values());
    }

    @Test
    void theLegacyCheckpointOfTheSameModelConvertsToTheSameBytes(@TempDir Path dir) throws IOException {
        Path fromZip = dir.resolve("zip.safetensors");
        Path fromLegacy = dir.resolve("legacy.safetensors");
        assertEquals(0, Repo.run(ConvertToSafetensors::run, Repo.file("samples/mlp.pt").toString(), fromZip.toString()).status());
        Repo.Run run = Repo.run(ConvertToSafetensors::run, Repo.file("samples/mlp.legacy.pt").toString(), fromLegacy.toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("(TORCH_LEGACY)"), run.out());
        assertArrayEquals(Files.readAllBytes(fromZip), Files.readAllBytes(fromLegacy));
    }

    @Test
    void verifyFindsAChangedByte(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("mlp.safetensors");
        assertEquals(0, Repo.run(ConvertToSafetensors::run, Repo.file("samples/mlp.pt").toString(), target.toString()).status());
        try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(1).put(0, (byte) 0x5a), Files.size(target) - 1);
        }
        var e = assertThrows(ConvertToSafetensors.VerificationException.class,
                () -> ConvertToSafetensors.verify(Repo.file("samples/mlp.pt"), target, Map.of()));
        assertTrue(e.getMessage().contains("differs at byte"), e.getMessage());
    }

    @Test
    void aCheckpointThatWouldRunCodeIsRefusedAndNothingIsWritten(@TempDir Path dir) throws IOException {
        Path target = dir.resolve("evil.safetensors");
        Repo.Run run = Repo.run(ConvertToSafetensors::run,
                Repo.file("ptsafe-pickle/src/test/resources/torch/malicious/zip_os_system_reduce.pt").toString(), target.toString());
        assertEquals(1, run.status());
        assertTrue(run.err().startsWith("refused ("), run.err());
        assertFalse(Files.exists(target));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "no temporary file left");
        }
    }

    @Test
    void badUsageIsStatusTwo() {
        assertEquals(2, Repo.run(ConvertToSafetensors::run, "only-one-argument").status());
    }
}
