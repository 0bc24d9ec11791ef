package io.ptsafe.pickle.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every pickle of a legacy stream runs under the same {@link LoadOptions} limits as a zip's data.pkl. */
class LegacyLimitsTest {
    static final Path TRAINING = Path.of("src/test/resources/torch/real/training_checkpoint.legacy.pt");

    private static LimitExceededException refused(Path p, LoadOptions o) {
        return assertThrows(LimitExceededException.class, () -> SafeLoader.open(p, o).close());
    }

    @Test
    void maxPickleBytesCountsEachPickleNotTheStorages() throws IOException {
        long size = Files.size(TRAINING);
        // The object pickle is the largest; the storages after it do not count.
        LimitExceededException x = refused(TRAINING, LoadOptions.builder().maxPickleBytes(500).build());
        assertEquals(Reason.PICKLE_LIMIT, x.reason());
        assertEquals("maxPickleBytes", x.setting());
        assertTrue(x.getMessage().contains("pickle 4 of the legacy stream (the object)"), x.getMessage());
        long largest = 2200;
        assertTrue(largest < size);
        try (TensorFile f = SafeLoader.open(TRAINING, LoadOptions.builder().maxPickleBytes(largest).build())) {
            assertTrue(f.tensors().size() > 5);
        }
    }

    @Test
    void maxPickleBytesAppliesToTheHeaderPicklesToo() {
        LimitExceededException x = refused(TRAINING, LoadOptions.builder().maxPickleBytes(14).build());
        assertEquals("maxPickleBytes", x.setting());
        assertTrue(x.getMessage().contains("pickle 1 of the legacy stream (the magic number)"), x.getMessage());
    }

    @Test
    void maxPickleOpcodes() {
        LimitExceededException x = refused(TRAINING, LoadOptions.builder().maxPickleOpcodes(100).build());
        assertEquals(Reason.PICKLE_LIMIT, x.reason());
        assertEquals("maxPickleOpcodes", x.setting());
    }

    @Test
    void maxTensors() {
        LimitExceededException x = refused(TRAINING, LoadOptions.builder().maxTensors(3).build());
        assertEquals(Reason.TOO_MANY_TENSORS, x.reason());
        assertEquals("maxTensors", x.setting());
    }

    @Test
    void maxRank() {
        LimitExceededException x = refused(TRAINING, LoadOptions.builder().maxRank(1).build());
        assertEquals(Reason.TOO_MANY_DIMENSIONS, x.reason());
    }

    @Test
    void maxContainerItemsAndNesting() {
        assertEquals("maxContainerItems",
                refused(TRAINING, LoadOptions.builder().maxContainerItems(2).build()).setting());
        assertEquals("maxNestingDepth", refused(TRAINING, LoadOptions.builder().maxNestingDepth(2).build()).setting());
    }

    @Test
    void maxPickleStringBytes() {
        LimitExceededException x = refused(TRAINING, LoadOptions.builder().maxPickleStringBytes(8).build());
        assertEquals(Reason.PICKLE_LIMIT, x.reason());
        assertEquals("maxPickleStringBytes", x.setting());
    }

    @Test
    void maxIntBytesCoversTheMagicNumber() {
        // The magic number is a 10-byte LONG1: a limit below it stops the very first pickle.
        LimitExceededException x = refused(TRAINING, LoadOptions.builder().maxIntBytes(9).build());
        assertEquals("maxIntBytes", x.setting());
        assertTrue(x.getMessage().contains("magic number"), x.getMessage());
    }
}
