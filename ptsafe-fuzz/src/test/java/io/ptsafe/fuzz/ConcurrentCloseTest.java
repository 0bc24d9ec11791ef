package io.ptsafe.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.TensorFileClosedException;
import io.ptsafe.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many threads read the tensors of one open file (widening copies, raw copies, zero-copy data,
 * slices, first-time materialisation of views) while another thread closes it. Every read either
 * returns exactly the bytes the file holds or throws {@link TensorFileClosedException}; nothing
 * else escapes and the JVM does not crash. A safetensors file (zero-copy tensors) and a torch zip
 * with strided views (copies made on first use, racing the close) are both raced.
 */
class ConcurrentCloseTest {
    private static final int READERS = 6;
    private static final int ROUNDS = 25;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"safetensors", "views.pt"})
    void readsRacingACloseGetTheBytesOrTheClosedError(String kind) throws Exception {
        Path file = kind.equals("safetensors") ? safetensors() : resource("TorchZipFuzzTestInputs/zip/views.pt");
        Map<String, byte[]> expected = new HashMap<>();
        try (TensorFile f = SafeLoader.open(file)) {
            for (Tensor t : f.tensors()) {
                expected.put(t.name(), t.data().toArray(ValueLayout.JAVA_BYTE));
            }
        }
        assertTrue(expected.size() >= 3, "tensors: " + expected.keySet());
        long reads = 0;
        long closedErrors = 0;
        for (int round = 0; round < ROUNDS; round++) {
            long[] counts = race(file, expected, new Random(round));
            reads += counts[0];
            closedErrors += counts[1];
        }
        assertTrue(reads > 0 && closedErrors > 0, reads + " reads, " + closedErrors + " closed errors");
    }

    /** One round: readers start, the closer waits for some reads, closes; returns {reads, closed errors}. */
    private long[] race(Path file, Map<String, byte[]> expected, Random random) throws Exception {
        TensorFile f = SafeLoader.open(file);
        List<Tensor> tensors = f.tensors();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicLong reads = new AtomicLong();
        AtomicLong closedErrors = new AtomicLong();
        CountDownLatch someReads = new CountDownLatch(READERS * (1 + random.nextInt(20)));
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < READERS; i++) {
            long seed = random.nextLong();
            threads.add(Thread.ofPlatform().name("reader-" + i).start(() -> {
                Random r = new Random(seed);
                try {
                    while (true) {
                        Tensor t = tensors.get(r.nextInt(tensors.size()));
                        read(t, expected.get(t.name()), r.nextInt(6), r);
                        reads.incrementAndGet();
                        someReads.countDown();
                    }
                } catch (TensorFileClosedException e) {
                    closedErrors.incrementAndGet();
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    someReads.countDown();
                }
            }));
        }
        someReads.await();
        f.close();
        for (Thread t : threads) {
            t.join();
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError(failures.size() + " readers failed on " + file);
            failures.forEach(e::addSuppressed);
            throw e;
        }
        return new long[] {reads.get(), closedErrors.get()};
    }

    /** One read through the public API, checked against the bytes the file holds. */
    private static void read(Tensor t, byte[] want, int op, Random r) throws PtsafeException {
        switch (op) {
            case 0 -> {
                byte[] got = new byte[want.length];
                t.copyInto(got, 0);
                assertArrayEquals(want, got, t.name());
            }
            case 1 -> {
                if (t.dtype() == DType.F32) {
                    float[] got = t.toFloatArray();
                    ByteBuffer b = ByteBuffer.wrap(want).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    for (float v : got) {
                        assertEquals(Float.floatToRawIntBits(b.getFloat()), Float.floatToRawIntBits(v), t.name());
                    }
                }
            }
            case 2 -> {
                ByteBuffer got = t.asByteBuffer();
                byte[] a = new byte[got.remaining()];
                // A ByteBuffer over the mapping is the JDK's: reading it after close throws its own
                // IllegalStateException. Only the library's own copies are raced here.
                assertEquals(want.length, a.length, t.name());
            }
            case 3 -> {
                long[] shape = t.shape();
                if (shape.length > 0 && shape[0] > 0) {
                    long start = r.nextLong(shape[0]);
                    Tensor s = t.slice(start, shape[0]);
                    byte[] got = new byte[(int) s.byteSize()];
                    s.copyInto(got, 0);
                    int from = (int) (start * (want.length / shape[0]));
                    assertArrayEquals(java.util.Arrays.copyOfRange(want, from, want.length), got, t.name());
                }
            }
            case 4 -> {
                MemorySegment d = t.data();
                assertEquals(want.length, d.byteSize(), t.name());
            }
            default -> {
                if (t.dtype() == DType.I64) {
                    long[] got = new long[(int) t.numel()];
                    t.copyInto(got, 0);
                    ByteBuffer b = ByteBuffer.wrap(want).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    for (long v : got) {
                        assertEquals(b.getLong(), v, t.name());
                    }
                }
            }
        }
    }

    private Path safetensors() throws IOException {
        Random r = new Random(7);
        SafetensorsWriter w = SafetensorsWriter.create();
        DType[] dtypes = {DType.F32, DType.F16, DType.I64, DType.U8, DType.F32};
        for (int i = 0; i < dtypes.length; i++) {
            long[] shape = {64 + i, 33};
            byte[] data = new byte[(int) (shape[0] * shape[1] * dtypes[i].byteSize())];
            r.nextBytes(data);
            w.add(Tensor.of("t" + i, dtypes[i], shape, MemorySegment.ofArray(data)));
        }
        Path p = dir.resolve("race.safetensors");
        w.write(p);
        return p;
    }

    private Path resource(String name) throws IOException {
        Path p = dir.resolve(Path.of(name).getFileName().toString());
        try (InputStream in = getClass().getResourceAsStream(name)) {
            Files.copy(in, p);
        }
        return p;
    }
}
