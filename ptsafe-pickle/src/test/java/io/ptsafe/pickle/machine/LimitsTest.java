package io.ptsafe.pickle.machine;

import static io.ptsafe.pickle.machine.Pickles.decode;
import static io.ptsafe.pickle.machine.Pickles.le4;
import static io.ptsafe.pickle.machine.Pickles.pk;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** Every pickle limit: met exactly the pickle loads, exceeded by one it is refused naming the setting. */
class LimitsTest {

    static void atLimit(byte[] pickle, int limit, String setting, UnaryOperator<LoadOptions.Builder> set) {
        LoadOptions ok = set.apply(LoadOptions.builder()).build();
        assertDoesNotThrow(() -> decode(pickle, ok), setting + " met exactly");
        LoadOptions tight = set.apply(LoadOptions.builder()).build();
        LimitExceededException x = assertThrows(LimitExceededException.class,
                () -> decode(pickle, tighter(tight, setting, limit - 1)), setting + " exceeded by one");
        assertEquals(setting, x.setting(), x.getMessage());
        assertEquals(limit - 1, x.limit());
        assertEquals(Reason.PICKLE_LIMIT, x.reason());
    }

    private static LoadOptions tighter(LoadOptions o, String setting, int v) {
        LoadOptions.Builder b = o.toBuilder();
        switch (setting) {
            case "maxPickleBytes" -> b.maxPickleBytes(v);
            case "maxPickleOpcodes" -> b.maxPickleOpcodes(v);
            case "maxStackSize" -> b.maxStackSize(v);
            case "maxNestingDepth" -> b.maxNestingDepth(v);
            case "maxMemoEntries" -> b.maxMemoEntries(v);
            case "maxPickleStringBytes" -> b.maxPickleStringBytes(v);
            case "maxContainerItems" -> b.maxContainerItems(v);
            case "maxIntBytes" -> b.maxIntBytes(v);
            case "maxDecodedBytes" -> b.maxDecodedBytes(v);
            default -> throw new AssertionError(setting);
        }
        return b.build();
    }

    @Test
    void pickleBytes() {
        byte[] p = pk(0x80, 2, "N.");
        atLimit(p, 4, "maxPickleBytes", b -> b.maxPickleBytes(4));
    }

    @Test
    void opcodes() {
        byte[] p = pk(0x80, 2, "]NaNa.");
        atLimit(p, 7, "maxPickleOpcodes", b -> b.maxPickleOpcodes(7));
    }

    @Test
    void stackCountsValuesAndMarks() {
        byte[] p = pk("(NNt.");
        atLimit(p, 3, "maxStackSize", b -> b.maxStackSize(3));
    }

    @Test
    void markNesting() {
        byte[] p = pk("(((Ntttt.".replace("tttt", "ttt"));
        atLimit(p, 3, "maxNestingDepth", b -> b.maxNestingDepth(3));
    }

    @Test
    void tupleNestingWhileDecoding() {
        byte[] p = pk("N", 0x85, 0x85, 0x85, '.');
        atLimit(p, 3, "maxNestingDepth", b -> b.maxNestingDepth(3));
    }

    @Test
    void listNestingWhenConverting() {
        byte[] p = pk("]]]]aaa.");
        atLimit(p, 4, "maxNestingDepth", b -> b.maxNestingDepth(4));
    }

    @Test
    void memoEntries() {
        byte[] p = pk("Np0\np1\np2\n.");
        atLimit(p, 3, "maxMemoEntries", b -> b.maxMemoEntries(3));
    }

    @Test
    void memoIndex() {
        byte[] p = pk("Np5\n.");
        atLimit(p, 5, "maxMemoEntries", b -> b.maxMemoEntries(5));
        LimitExceededException x = assertThrows(LimitExceededException.class,
                () -> decode(pk("N", 'r', le4(0xfffffff0L), '.')));
        assertEquals("maxMemoEntries", x.setting());
        assertEquals(0xfffffff0L, x.value());
    }

    @Test
    void stringBytes() {
        atLimit(pk('X', le4(5), "hello."), 5, "maxPickleStringBytes", b -> b.maxPickleStringBytes(5));
        atLimit(pk("Vhello\n."), 5, "maxPickleStringBytes", b -> b.maxPickleStringBytes(5));
        atLimit(pk("C", 5, "hello."), 5, "maxPickleStringBytes", b -> b.maxPickleStringBytes(5));
    }

    @Test
    void containerItems() {
        atLimit(pk("(NNNl."), 3, "maxContainerItems", b -> b.maxContainerItems(3));
        atLimit(pk("](NNNe."), 3, "maxContainerItems", b -> b.maxContainerItems(3));
        atLimit(pk("(I1\nNI2\nNI3\nNd."), 3, "maxContainerItems", b -> b.maxContainerItems(3));
        atLimit(pk("(NNNt."), 3, "maxContainerItems", b -> b.maxContainerItems(3));
        atLimit(pk(0x80, 4, 0x8f, "(K", 1, "K", 2, "K", 3, 0x90, '.'), 3, "maxContainerItems",
                b -> b.maxContainerItems(3));
    }

    @Test
    void intBytes() {
        atLimit(pk(0x8a, 3, 1, 2, 3, '.'), 3, "maxIntBytes", b -> b.maxIntBytes(3));
        atLimit(pk(0x8b, le4(3), 1, 2, 3, '.'), 3, "maxIntBytes", b -> b.maxIntBytes(3));
        atLimit(pk("I123\n."), 3, "maxIntBytes", b -> b.maxIntBytes(3));
        atLimit(pk("L123L\n."), 3, "maxIntBytes", b -> b.maxIntBytes(3));
    }

    /** The most the estimate reached decoding and converting {@code pickle} with no budget to speak of. */
    private static long decodedBytes(byte[] pickle) throws Exception {
        LoadOptions unlimited = LoadOptions.builder().maxDecodedBytes(Long.MAX_VALUE).build();
        PickleResult r = Pickles.machine(pickle, unlimited).run();
        TreeConverter.convert(r, (leaf, path) -> {
            throw new AssertionError(leaf);
        }, unlimited, Pickles.input(pickle));
        return r.budget().peak();
    }

    @Test
    void decodedBytes() throws Exception {
        for (byte[] p : new byte[][] {pk("(NNNl."), pk(0x80, 4, "]", 0x94, "(NJ", le4(1000), "Ne0h", 0, "."),
                pk("(I1\nI2\nd."), pk(0x80, 4, 0x8f, "(K", 1, "K", 2, 0x90, "(", 0x8c, 3, "abc", 0x91, 0x86, "."),
                pk("cbuiltins\nset\n((K", 1, "K", 2, "ltR."), pk('X', le4(5), "hello."), pk("I123456789\n.")}) {
            long used = decodedBytes(p);
            assertTrue(used > 0 && used < 4096, used + " for " + java.util.Arrays.toString(p));
            atLimit(p, (int) used, "maxDecodedBytes", b -> b.maxDecodedBytes(used));
        }
    }

    /** Refused at the opcode that would go over, before a large string is allocated, naming the place. */
    @Test
    void decodedBytesRefusedAtTheOpcode() {
        byte[] p = pk(0x80, 4, "N", 'X', le4(4000), "a".repeat(4000), "0.");
        LimitExceededException x = assertThrows(LimitExceededException.class,
                () -> decode(p, LoadOptions.builder().maxDecodedBytes(1000).build()));
        assertEquals("maxDecodedBytes", x.setting());
        assertEquals(Reason.PICKLE_LIMIT, x.reason());
        assertEquals(1000, x.limit());
        assertTrue(x.value() > 4000, x.getMessage());
        assertTrue(x.getMessage().startsWith("test.pkl, byte 3, BINUNICODE: decoded values"), x.getMessage());
    }

    /** The machine's working tables (stack, memo) are given back at STOP; the values never are. */
    @Test
    void decodedBytesKeepsValuesAndGivesBackTheMemo() throws Exception {
        // Index 999 is read again (LONG_BINGET, then POP): the memo keeps slots up to it.
        byte[] p = pk(0x80, 4, "]", 0x94, "r", le4(999), "j", le4(999), "0", ".");
        PickleResult r = Pickles.machine(p, LoadOptions.defaults()).run();
        assertTrue(r.budget().peak() >= 8 * 1000, "the memo's 1000 slots: " + r.budget().peak());
        assertEquals(HeapCost.LIST, r.budget().used());
    }

    /**
     * SETITEMS into an empty dict makes the table for all its pairs at once; when keys repeat, the
     * table is larger than the entries alone would have grown it, and the difference is charged.
     */
    @Test
    void setItemsOfRepeatedKeysChargesTheTableItMade() throws Exception {
        long few = usedAfter(12); // 12 pairs: no table made ahead
        long many = usedAfter(100); // 100 pairs, one key: a table of 256 slots where growing makes 16
        assertEquals(88 * HeapCost.KEY + 4 * (PickleMachine.tableSlots(100) - 16), many - few);
        assertEquals(256, PickleMachine.tableSlots(100));
        assertEquals(2048, PickleMachine.tableSlots(1000));
        assertEquals(16, PickleMachine.tableSlots(12));
        assertEquals(32, PickleMachine.tableSlots(13));
    }

    /** The budget used after a dict of one str key set {@code pairs} times by one SETITEMS. */
    private static long usedAfter(int pairs) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(pk(0x80, 2, "}", "(", 0x8c, 1, "k", "q", 0, "N"));
        for (int i = 1; i < pairs; i++) {
            out.writeBytes(pk("h", 0, "N"));
        }
        out.writeBytes(pk("u", "."));
        PickleResult r = Pickles.machine(out.toByteArray(), LoadOptions.defaults()).run();
        assertEquals(1, ((DictObj) r.root()).size());
        return r.budget().used();
    }

    /** A PUT no GET reads keeps nothing: the memo is then one bit an index. */
    @Test
    void memoKeepsNoSlotForIndicesNeverRead() throws Exception {
        byte[] p = pk(0x80, 4, "]", 0x94, "r", le4(999), ".");
        PickleResult r = Pickles.machine(p, LoadOptions.defaults()).run();
        assertTrue(r.budget().peak() < 1000, "1000 indices set, none read: " + r.budget().peak());
        assertEquals(HeapCost.LIST, r.budget().used());
    }

    /**
     * Nesting is bounded while decoding so that the PyValue records' own recursive equals, hashCode
     * and toString stay shallow: at the default depth they run on a thread with a 512 KiB stack, half
     * the JVM's default thread stack on 64-bit Linux (they need more than 256 KiB: record methods
     * recurse through method handles, several frames per level).
     */
    @Test
    void defaultDepthIsSafeForRecursiveRecordMethods() throws Exception {
        int depth = LoadOptions.DEFAULT_MAX_NESTING_DEPTH;
        byte[] p = pk("N", "\u0085".repeat(depth - 1), "N", 0x86, '.');
        PyValue a = decode(p);
        PyValue b = decode(p);
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                assertEquals(a, b);
                assertEquals(a.hashCode(), b.hashCode());
                a.toString();
            } catch (Throwable e) {
                failure[0] = e;
            }
        }, "small-stack", 512 * 1024);
        t.start();
        t.join();
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
    }
}
