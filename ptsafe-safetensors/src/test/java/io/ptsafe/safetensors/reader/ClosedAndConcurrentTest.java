package io.ptsafe.safetensors.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.TensorFileClosedException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Tensors used after close are refused; reads racing with close either succeed or are refused, never crash. */
class ClosedAndConcurrentTest {

    @Test
    void useAfterCloseIsRefused() throws IOException {
        TensorFile tf = SafeLoader.open(TestFiles.RESOURCES.resolve("all_dtypes.safetensors"));
        Tensor f32 = tf.tensor("f32");
        Tensor u8 = tf.tensor("u8");
        f32.data(); // one tensor's data taken before close, one not
        tf.close();
        tf.close(); // idempotent
        assertThrows(TensorFileClosedException.class, f32::data);
        assertThrows(TensorFileClosedException.class, u8::data);
        assertThrows(TensorFileClosedException.class, f32::toFloatArray);
        assertThrows(TensorFileClosedException.class, f32::storage);
        assertThrows(TensorFileClosedException.class, () -> u8.copyInto(new byte[256], 0));
        assertThrows(TensorFileClosedException.class, () -> u8.slice(0, 1));
        // what needs no bytes still answers
        assertEquals("u8", u8.name());
        assertEquals(256, u8.byteSize());
    }

    @Test
    void readsRacingWithCloseSucceedOrAreRefused() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 20; round++) {
                TensorFile tf = SafeLoader.open(TestFiles.RESOURCES.resolve("all_dtypes.safetensors"));
                List<Tensor> tensors = tf.tensors();
                AtomicBoolean stop = new AtomicBoolean();
                List<Future<Integer>> readers = new ArrayList<>();
                for (int r = 0; r < 3; r++) {
                    readers.add(pool.submit(() -> {
                        int reads = 0;
                        while (!stop.get()) {
                            for (Tensor t : tensors) {
                                try {
                                    // through Tensor's methods: a segment from data() read directly after
                                    // close throws the JDK's IllegalStateException instead
                                    t.copyInto(new byte[(int) t.byteSize()], 0);
                                    reads++;
                                } catch (TensorFileClosedException e) {
                                    return reads;
                                }
                            }
                        }
                        return reads;
                    }));
                }
                tf.close();
                stop.set(true);
                for (Future<Integer> f : readers) {
                    assertTrue(f.get() >= 0); // get() rethrows anything but the refusal the readers catch
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
