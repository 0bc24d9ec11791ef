package io.ptsafe.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.safetensors.SafetensorsConverter;
import io.ptsafe.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A conversion that cannot finish leaves no partial output: the disk fills up (a real, small tmpfs
 * when the tests may mount one, as root; skipped otherwise), or the converting thread is
 * interrupted mid-write by another thread (the JDK closes the channel:
 * {@link java.nio.channels.ClosedByInterruptException}). Either way: a {@link PtsafeException} with
 * {@link Reason#IO_ERROR}, no temporary file, and an existing target untouched.
 */
class ConversionFaultsTest {
    /** 4 MiB of tensor data: more than the small disk holds, and many progress reports. */
    private static final int ELEMENTS = 1 << 20;

    @TempDir
    Path dir;

    @Test
    void aFullDiskLeavesNothing() throws Exception {
        Path source = source();
        Path small = Files.createDirectory(dir.resolve("small-disk"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "ptsafe-test", small.toString())
                .redirectErrorStream(true).start();
        boolean mounted = mount.waitFor(30, TimeUnit.SECONDS) && mount.exitValue() == 0;
        Assumptions.assumeTrue(mounted, "cannot mount a small tmpfs here (needs root): "
                + new String(mount.getInputStream().readAllBytes()).strip());
        try {
            Path target = small.resolve("model.safetensors");
            Files.writeString(target, "old content");
            PtsafeException e = assertThrows(PtsafeException.class,
                    () -> SafetensorsConverter.convertFile(source, target));
            assertEquals(Reason.IO_ERROR, e.reason(), e.getMessage());
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            assertEquals("old content", Files.readString(target));
            assertEquals(List.of(target), list(small));
        } finally {
            new ProcessBuilder("umount", small.toString()).start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void anInterruptFromAnotherThreadLeavesNothing() throws Exception {
        Path source = source();
        Path out = Files.createDirectory(dir.resolve("out"));
        Path target = out.resolve("model.safetensors");
        Files.writeString(target, "old content");
        CountDownLatch writing = new CountDownLatch(1);
        AtomicReference<Throwable> result = new AtomicReference<>();
        SafetensorsConverter converter = SafetensorsConverter.builder().progress((done, total) -> {
            if (done > 0 && done < total) {
                writing.countDown();
                // hold the writer mid-file until the interrupt arrives, so the test does not depend on timing
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.onSpinWait();
                }
            }
        }).build();
        Thread t = Thread.ofPlatform().name("converter").start(() -> {
            try {
                converter.convert(source, target);
            } catch (Throwable e) {
                result.set(e);
            }
        });
        assertTrue(writing.await(60, TimeUnit.SECONDS), "the conversion reports progress");
        t.interrupt();
        t.join();
        PtsafeException e = assertInstanceOf(result.get());
        assertEquals(Reason.IO_ERROR, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains("interrupt"), e.getMessage());
        assertEquals("old content", Files.readString(target));
        assertEquals(List.of(target), list(out));
        // and the source is still fine to read
        try (TensorFile f = SafeLoader.open(source)) {
            assertEquals(ELEMENTS, f.tensor("w").toFloatArray().length);
        }
    }

    @Test
    void aFailureInjectedAfterWritingLeavesNothing() throws Exception {
        Path source = source();
        Path out = Files.createDirectory(dir.resolve("out"));
        Path target = out.resolve("model.safetensors");
        SafetensorsConverter converter = SafetensorsConverter.builder().progress((done, total) -> {
            if (done == total) {
                throw new java.io.UncheckedIOException(new IOException("injected: disk full"));
            }
        }).build();
        assertThrows(java.io.UncheckedIOException.class, () -> converter.convert(source, target));
        assertFalse(Files.exists(target));
        assertEquals(List.of(), list(out));
    }

    private static PtsafeException assertInstanceOf(Throwable t) {
        if (t instanceof PtsafeException p) {
            return p;
        }
        throw new AssertionError("expected a PtsafeException, got " + t, t);
    }

    private Path source() throws IOException {
        byte[] data = new byte[ELEMENTS * 4];
        new Random(3).nextBytes(data);
        Path p = dir.resolve("source.safetensors");
        SafetensorsWriter.create().add(Tensor.of("w", DType.F32, new long[] {ELEMENTS},
                MemorySegment.ofArray(data))).write(p);
        return p;
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
