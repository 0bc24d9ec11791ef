package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lane at the edge of the decode budget: it charges nothing as it reads, so it must decline
 * every file the general path refuses for {@code maxDecodedBytes} (its bound on the general path's
 * peak must be above that peak). For each real state dict the lane takes, the smallest budget the
 * general path opens it with is found by bisection; one byte less must be refused the same way with
 * the lane on, and that budget itself must open the file to the same tensors.
 */
class StateDictLaneBudgetTest {
    private static final Path REAL = Path.of("src/test/resources/torch/real");

    static Stream<String> stateDicts() {
        return Stream.of("linear.pt", "linear.legacy.pt", "batchnorm2d.pt", "batchnorm2d.legacy.pt", "conv2d.pt",
                "conv2d.legacy.pt", "lstm.pt", "lstm.legacy.pt", "transformer_encoder_layer.pt",
                "transformer_encoder_layer.legacy.pt", "views.pt", "dtypes.pt", "zero_size.pt", "embedding.pt",
                "linear.unaligned.pt");
    }

    @ParameterizedTest
    @MethodSource("stateDicts")
    void laneDeclinesWhatTheBudgetRefuses(String name) throws Exception {
        Path file = REAL.resolve(name);
        assertTrue(taken(file, LoadOptions.defaults()), name + ": the lane takes it at the default budget");
        long lo = 1;
        long hi = LoadOptions.defaults().maxDecodedBytes();
        while (lo < hi) { // the smallest budget the general path opens the file with
            long mid = (lo + hi) >>> 1;
            if (outcome(file, mid, false).startsWith("refused")) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        long least = lo;
        assertTrue(outcome(file, least - 1, false).startsWith("refused MAX_DECODED_BYTES")
                || outcome(file, least - 1, false).startsWith("refused PICKLE_LIMIT"), name);
        assertEquals(outcome(file, least - 1, false), outcome(file, least - 1, true), name + " at " + (least - 1));
        assertEquals(outcome(file, least, false), outcome(file, least, true), name + " at " + least);
    }

    private static boolean taken(Path file, LoadOptions options) throws Exception {
        int[] taken = new int[1];
        ScopedValue.where(StateDictLane.TAKEN, taken).call(() -> {
            try (TensorFile f = SafeLoader.open(file, options)) {
                return f.tensors().size();
            }
        });
        return taken[0] > 0;
    }

    /** What opening gives: the refusal, or the tensors' names, shapes and offsets. */
    private static String outcome(Path file, long budget, boolean lane) throws Exception {
        LoadOptions options = LoadOptions.builder().maxDecodedBytes(budget).build();
        return ScopedValue.where(StateDictLane.ENABLED, lane).call(() -> {
            try (TensorFile f = SafeLoader.open(file, options)) {
                StringBuilder s = new StringBuilder("opened");
                for (Tensor t : f.tensors()) {
                    s.append(' ').append(t.name()).append(java.util.Arrays.toString(t.shape())).append('@')
                            .append(t.storageOffset());
                }
                return s.toString();
            } catch (PtsafeException e) {
                return "refused " + e.reason() + " " + e.getMessage();
            } catch (IOException e) {
                return "io " + e;
            }
        });
    }
}
