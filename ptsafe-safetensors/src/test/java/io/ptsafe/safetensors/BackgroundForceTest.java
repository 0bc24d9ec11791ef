package io.ptsafe.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The force to disk that runs while the converter verifies: its failures and interrupts stop the conversion. */
class BackgroundForceTest {
    @TempDir
    Path dir;

    @Test
    void aForceThatFailsIsReportedAsAFailedWrite() throws IOException {
        Path target = dir.resolve("model.safetensors");
        try (BackgroundForce forcing = new BackgroundForce()) {
            forcing.start(dir.resolve(".gone.tmp"), target);
            PtsafeException e = assertThrows(PtsafeException.class, forcing::awaitAll);
            assertEquals(Reason.IO_ERROR, e.reason());
            assertEquals(target, e.file());
            assertTrue(e.getMessage().contains("cannot write: java.nio.file.NoSuchFileException"), e.getMessage());
        }
    }

    @Test
    void filesForcedAreWaitedFor() throws IOException {
        Path a = Files.writeString(dir.resolve("a"), "a");
        Path b = Files.writeString(dir.resolve("b"), "b");
        try (BackgroundForce forcing = new BackgroundForce()) {
            forcing.start(a, a);
            forcing.start(b, b);
            forcing.awaitAll();
        }
        assertEquals("a", Files.readString(a));
    }

    /** A file followed as it grows is forced as it goes and once more when complete; awaitAll waits for the last. */
    @Test
    void aGrowingFileIsForcedUntilComplete() throws IOException {
        Path f = Files.writeString(dir.resolve("f"), "written");
        try (BackgroundForce forcing = new BackgroundForce()) {
            BackgroundForce.Growing growing = forcing.follow(f, f);
            growing.written(BackgroundForce.STEP);
            growing.written(2 * BackgroundForce.STEP + 1);
            growing.complete();
            forcing.awaitAll();
        }
        assertEquals("written", Files.readString(f));
    }

    /** A writer that fails never completes its file: closing still ends the thread, and the next conversion works. */
    @Test
    void aFileNeverCompletedIsLetGoOnClose() throws IOException {
        Path f = Files.writeString(dir.resolve("f"), "partial");
        try (BackgroundForce forcing = new BackgroundForce()) {
            forcing.follow(f, f).written(BackgroundForce.STEP);
        }
        try (BackgroundForce forcing = new BackgroundForce()) {
            forcing.start(f, f);
            forcing.awaitAll();
        }
        assertEquals("partial", Files.readString(f));
    }

    @Test
    void anInterruptDuringTheVerificationStopsTheConversionAndLeavesNothing() throws IOException {
        Path out = dir.resolve("model.safetensors");
        Files.writeString(out, "old");
        Arena arena = Arena.ofShared();
        TensorFile in = Files2.file(dir.resolve("x.pt"), arena, Files2.dict("w",
                Files2.view("w", DType.U8, Files2.storage(arena, 64), 0, new long[] {64})));
        SafetensorsConverter c = SafetensorsConverter.builder().progress((done, total) -> {
            if (done > total / 2) {
                Thread.currentThread().interrupt(); // while reading back, with the force running or done
            }
        }).build();
        try {
            PtsafeException e = assertThrows(PtsafeException.class,
                    () -> c.convert(in, out));
            assertEquals(Reason.IO_ERROR, e.reason());
            assertTrue(e.getMessage().contains("interrupted while forcing to disk; nothing was written"), e.getMessage());
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status stays set");
        } finally {
            Thread.interrupted();
            arena.close();
        }
        assertEquals("old", Files.readString(out));
        assertEquals(List.of(out), SafetensorsWriterTest.list(dir));
    }
}
