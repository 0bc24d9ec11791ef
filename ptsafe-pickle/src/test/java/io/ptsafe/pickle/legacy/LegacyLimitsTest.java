package io.ptsafe.pickle.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.HostilePickles;
import io.ptsafe.pickle.machine.PickleListener;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    /**
     * A legacy stream: the magic number, protocol version and sys_info pickles of a real one, then
     * {@code object} and {@code keys} as the object pickle and the storage key list, and no storages.
     */
    static Path stream(Path file, byte[] object, byte[] keys) throws IOException {
        byte[] real = Files.readAllBytes(TRAINING);
        PickleCursor c = new PickleCursor(TRAINING, MemorySegment.ofArray(real), LoadOptions.defaults(), PickleListener.NONE);
        c.next("the magic number", null);
        c.next("the protocol version", null);
        c.next("sys_info", null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Arrays.copyOf(real, (int) c.position()));
        out.writeBytes(object);
        out.writeBytes(keys);
        return Files.write(file, out.toByteArray());
    }

    /** The five pickles share one budget: each of the last two fits alone, not both. */
    @Test
    void maxDecodedBytesIsTheStreamsNotEachPickles(@TempDir Path tmp) throws IOException {
        long budget = 1 << 20;
        byte[] ints = HostilePickles.listOf(7000, false);
        byte[] strings = HostilePickles.listOf(9000, true);
        LoadOptions o = LoadOptions.builder().maxDecodedBytes(budget).build();
        Path both = stream(tmp.resolve("both.pt"), ints, strings);
        LimitExceededException x = refused(both, o);
        assertEquals("maxDecodedBytes", x.setting(), x.getMessage());
        assertEquals(budget, x.limit());
        assertTrue(x.getMessage().contains("pickle 5 of the legacy stream (the storage key list), byte "), x.getMessage());
        // Either list alone (with an empty other) is within the budget: the ints open (a checkpoint
        // without tensors), the keys are refused for the storages they name and the file lacks.
        byte[] empty = HostilePickles.listOf(0, true);
        try (TensorFile f = SafeLoader.open(stream(tmp.resolve("ints.pt"), ints, empty), o)) {
            assertTrue(f.tensors().isEmpty());
        }
        Path keys = stream(tmp.resolve("keys.pt"), empty, strings);
        io.ptsafe.PtsafeException y = assertThrows(io.ptsafe.PtsafeException.class, () -> SafeLoader.open(keys, o).close());
        assertTrue(!(y instanceof LimitExceededException), y.getMessage());
    }

    @Test
    void maxDecodedBytesAtTheDefaultsInOpenAndScan(@TempDir Path tmp) throws IOException {
        Path p = stream(tmp.resolve("memo.pt"), HostilePickles.memoOfDicts(1_000_000), HostilePickles.listOf(0, true));
        LimitExceededException x = refused(p, LoadOptions.defaults());
        assertEquals("maxDecodedBytes", x.setting(), x.getMessage());
        assertEquals(LoadOptions.DEFAULT_MAX_DECODED_BYTES, x.limit());
        assertTrue(x.getMessage().contains("pickle 4 of the legacy stream (the object), byte "), x.getMessage());
        ScanReport r = SafeLoader.scan(p, LoadOptions.defaults());
        assertEquals(ScanReport.Verdict.INVALID, r.verdict());
        ScanFinding f = r.findings().stream().filter(g -> g.rule() == ScanRule.PICKLE_LIMIT).findFirst().orElseThrow();
        assertTrue(f.message().contains("LoadOptions.maxDecodedBytes"), f.message());
        assertTrue(f.location().fileOffset() > 0, f.toString());
    }
}
