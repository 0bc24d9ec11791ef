package io.ptsafe.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files that change under an open {@link TensorFile}, or cannot be read at all. What happens, in
 * short (Linux):
 * <ul>
 *   <li>truncated while open: pages past the new end fault (SIGBUS), which the JVM reports as an
 *       {@link InternalError}; every read through {@link Tensor}'s copies turns that into an
 *       {@link UncheckedIOException} around a {@link Reason#FILE_CHANGED} refusal and the JVM goes on. Reading a segment from {@link Tensor#data()}
 *       directly is the caller's own access and gets the JDK's InternalError;
 *   <li>rewritten in place while open: the mapping shows the new bytes (it is the page cache), no
 *       error: ptsafe validated the old bytes, so the file must not be changed while open
 *       ({@link TensorFile}'s contract);
 *   <li>deleted while open: still readable, the mapping keeps the inode alive;
 *   <li>deleted before open, dangling symlink, FIFO, device: {@link Reason#IO_ERROR}, without blocking;
 *   <li>unreadable (mode 000): {@link Reason#IO_ERROR}; skipped when the tests run as root, for
 *       whom permissions do not bite.
 * </ul>
 */
class FileFaultsTest {
    private static final int ROWS = 256;
    private static final int COLS = 1024;

    @TempDir
    Path dir;

    /** Reads report a changed file unchecked: an UncheckedIOException around the FILE_CHANGED refusal. */
    private static PtsafeException changed(UncheckedIOException u) {
        PtsafeException e = assertInstanceOf(PtsafeException.class, u.getCause());
        assertEquals(Reason.FILE_CHANGED, e.reason(), e.getMessage());
        assertEquals(e.getMessage(), u.getMessage());
        return e;
    }

    @Test
    void truncatedWhileOpenGivesFileChangedAndTheJvmSurvives() throws IOException {
        Path p = bigFile("cut.safetensors");
        try (TensorFile f = SafeLoader.open(p)) {
            Tensor last = f.tensor("b");
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.truncate(Files.size(p) / 4);
            }
            PtsafeException e = changed(assertThrows(UncheckedIOException.class, last::toFloatArray));
            assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("'b'"), e.getMessage());
            changed(assertThrows(UncheckedIOException.class, () -> last.copyInto(new byte[(int) last.byteSize()], 0)));
            changed(assertThrows(UncheckedIOException.class, () -> last.slice(ROWS / 2, ROWS).toFloatArray()));
            // the caller's own read of the zero-copy segment: the JDK's error, not a crash
            MemorySegment d = last.data();
            assertThrows(InternalError.class, () -> d.get(ValueLayout.JAVA_BYTE, d.byteSize() - 1));
        }
        // the JVM goes on: the same file, rewritten whole, opens and reads again
        Path again = bigFile("cut.safetensors");
        try (TensorFile f = SafeLoader.open(again)) {
            assertEquals(ROWS * COLS, f.tensor("b").toFloatArray().length);
        }
    }

    @Test
    void aViewCopiedAfterTruncationGivesFileChanged() throws IOException {
        Path p = dir.resolve("views.pt");
        try (InputStream in = getClass().getResourceAsStream("TorchZipFuzzTestInputs/zip/views.pt")) {
            Files.copy(in, p);
        }
        try (TensorFile f = SafeLoader.open(p)) {
            Tensor view = f.tensors().stream().filter(Tensor::isView).findFirst().orElseThrow();
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.truncate(0);
            }
            changed(assertThrows(UncheckedIOException.class, view::data));
        }
    }

    @Test
    void rewrittenInPlaceWhileOpenShowsTheNewBytes() throws IOException {
        Path p = bigFile("rewritten.safetensors");
        try (TensorFile f = SafeLoader.open(p)) {
            Tensor b = f.tensor("b");
            long at = Files.size(p) - b.byteSize();
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, 42f), at);
            }
            assertEquals(42f, b.toFloatArray()[0]); // was 0
            assertEquals(0.5f, b.toFloatArray()[1]);
        }
    }

    @Test
    void deletedWhileOpenStaysReadable() throws IOException {
        Path p = bigFile("deleted.safetensors");
        float[] want;
        try (TensorFile f = SafeLoader.open(p)) {
            want = f.tensor("b").toFloatArray();
        }
        try (TensorFile f = SafeLoader.open(p)) {
            Files.delete(p);
            assertArrayEquals(want, f.tensor("b").toFloatArray());
        }
    }

    @Test
    void missingFilesAreIoErrors() throws IOException {
        Path gone = bigFile("gone.safetensors");
        Files.delete(gone);
        assertEquals(Reason.IO_ERROR, assertThrows(PtsafeException.class, () -> SafeLoader.open(gone)).reason());
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.safetensors"), dir.resolve("nowhere"));
        assertEquals(Reason.IO_ERROR, assertThrows(PtsafeException.class, () -> SafeLoader.open(dangling)).reason());
    }

    @Test
    void specialFilesAreRefusedWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("fifo.safetensors");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        Assumptions.assumeTrue(mkfifo.waitFor() == 0, "mkfifo is not available");
        PtsafeException e = assertThrows(PtsafeException.class, () -> SafeLoader.open(fifo));
        assertEquals(Reason.IO_ERROR, e.reason(), e.getMessage());
        assertEquals(Reason.IO_ERROR, assertThrows(PtsafeException.class,
                () -> SafeLoader.open(Path.of("/dev/zero"))).reason());
    }

    @Test
    void unreadableFilesAreIoErrors() throws IOException {
        Path p = bigFile("locked.safetensors");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("---------"));
        Assumptions.assumeFalse(Files.isReadable(p),
                "running as root (or with CAP_DAC_OVERRIDE): file permissions do not apply, nothing to test");
        PtsafeException e = assertThrows(PtsafeException.class, () -> SafeLoader.open(p));
        assertEquals(Reason.IO_ERROR, e.reason(), e.getMessage());
    }

    /** Two F32 tensors "a" and "b" of ROWS x COLS: 2 MiB of data, so truncation cuts whole pages. */
    private Path bigFile(String name) throws IOException {
        float[] values = new float[ROWS * COLS];
        for (int i = 0; i < values.length; i++) {
            values[i] = i * 0.5f;
        }
        MemorySegment data = MemorySegment.ofArray(Arrays.copyOf(values, values.length));
        Path p = dir.resolve(name);
        SafetensorsWriter.create().add(Tensor.of("a", DType.F32, new long[] {ROWS, COLS}, data))
                .add(Tensor.of("b", DType.F32, new long[] {ROWS, COLS}, data)).write(p);
        return p;
    }
}
