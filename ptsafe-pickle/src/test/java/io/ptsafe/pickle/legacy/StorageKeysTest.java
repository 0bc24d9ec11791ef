package io.ptsafe.pickle.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.pickle.machine.DecodeBudget;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleMachine;
import io.ptsafe.pickle.machine.PickleResult;
import io.ptsafe.pickle.machine.TreeConverter;
import io.ptsafe.pickle.torch.TorchGlobals;
import io.ptsafe.pickle.torch.TorchHeapCost;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The storage key list's lane ({@link StorageKeys#lane}): it reads what the machine reads, to the same
 * keys and end, declines every other byte and every list a limit could refuse, and the machine's
 * charge for a list it takes stays under {@link StorageKeys#bound}.
 */
class StorageKeysTest {
    private static final Path FILE = Path.of("keys.pt");
    /** After the pickle, as in a stream: the storage section's first element count. */
    private static final byte[] AFTER = {4, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3};

    @Test
    void laneReadsWhatTheMachineReads() throws PtsafeException {
        Random r = new Random(17);
        for (int n : new int[] {0, 1, 2, 255, 256, 999, 1000, 1001, 2001, 2500}) {
            List<String> keys = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                keys.add(Long.toString(100_000_000L + r.nextInt(900_000_000)));
            }
            if (n > 2) {
                // keys the table holds as text: not numbers, leading zeros, past 18 digits, empty
                keys.set(0, "a1");
                keys.set(1, "007");
                keys.set(2, "1234567890123456789");
                keys.set(n - 1, "");
            }
            for (boolean cPickler : new boolean[] {true, false}) {
                byte[] pickle = keyList(keys, cPickler);
                StorageKeys lane = lane(pickle, LoadOptions.defaults(), new DecodeBudget(LoadOptions.defaults()));
                assertNotNull(lane, n + " keys");
                DecodeBudget budget = new DecodeBudget(LoadOptions.defaults());
                PickleResult m = machine(pickle, budget);
                assertEquals(m.end(), lane.end(), "where the pickle ends");
                assertEquals(pickle.length - AFTER.length, lane.end());
                PyValue.PyList list = (PyValue.PyList) TreeConverter.convert(m, (leaf, where) -> {
                    throw new AssertionError(leaf);
                }, LoadOptions.defaults(), input(pickle)).root();
                assertEquals(n, lane.size());
                for (int i = 0; i < n; i++) {
                    assertEquals(((PyValue.Str) list.items().get(i)).value(), lane.key(i));
                    assertEquals(keys.get(i), lane.key(i));
                }
                long chars = keys.stream().mapToLong(String::length).sum();
                assertTrue(budget.peak() <= StorageKeys.bound(n, chars), n + " keys: the machine's peak "
                        + budget.peak() + " over the lane's bound " + StorageKeys.bound(n, chars));
            }
        }
    }

    @Test
    void laneFindsEachKeysSlotFromItsBytes() throws PtsafeException {
        List<String> keys = List.of("5", "40", "a1", "007", "1234567890123456789", "", "12");
        // The roots, in another order than the list's: slot i is key order[i].
        String[] order = {"40", "", "5", "1234567890123456789", "007", "a1"};
        KeySlots slots = new KeySlots();
        for (int i = 0; i < order.length; i++) {
            slots.put(order[i], i);
        }
        StorageKeys lane = lane(keyList(keys, true), LoadOptions.defaults(), new DecodeBudget(LoadOptions.defaults()));
        StorageKeys machine = StorageKeys.of(keys);
        for (int i = 0; i < keys.size(); i++) {
            assertEquals(slots.get(keys.get(i)), slotIn(slots, lane, i), keys.get(i));
            assertEquals(slots.get(keys.get(i)), slotIn(slots, machine, i), keys.get(i));
        }
        assertEquals(-1, slotIn(slots, lane, 6), "'12' is no root");
    }

    /** {@link StorageKeys#slot}'s rule against a bare table: a number from the bytes, else the text. */
    private static int slotIn(KeySlots slots, StorageKeys keys, int i) {
        String key = keys.key(i);
        byte[] b = key.getBytes(StandardCharsets.US_ASCII);
        long n = KeySlots.number(b, 0, b.length);
        return n >= 0 ? slots.get(n) : slots.get(key);
    }

    @Test
    void laneDeclinesEveryOtherGrammar() {
        List<String> keys = List.of("10", "11", "12");
        byte[] good = keyList(keys, true);
        assertNotNull(lane(good, LoadOptions.defaults(), new DecodeBudget(LoadOptions.defaults())));
        List<byte[]> others = new ArrayList<>();
        others.add(with(good, 1, (byte) 3)); // PROTO 3
        others.add(with(good, 2, (byte) '(')); // not EMPTY_LIST
        others.add(Arrays.copyOf(good, good.length - AFTER.length - 1)); // no STOP
        byte[] utf8 = keyList(List.of("10", "\u00e9", "12"), true); // not ASCII
        others.add(utf8);
        others.add(keyList(List.of("10", "x".repeat(257)), true)); // a key past the lane's 256 bytes
        others.add(keyList(List.of("10", "11"), false).clone()); // fine: checked below as taken
        byte[] longPut = longBinputAtOne(keys);
        others.add(longPut);
        // items without a MARK: APPEND takes one, so two lone items are not the grammar
        byte[] lone = cat(new byte[] {(byte) 0x80, 2, ']', 'q', 0}, item("10", 1), item("11", 2),
                new byte[] {'a', '.'}, AFTER);
        others.add(lone);
        // an empty batch
        others.add(cat(new byte[] {(byte) 0x80, 2, ']', 'q', 0, '(', 'e', '.'}, AFTER));
        // a value read back from the memo: BINGET 1 as the second item
        others.add(cat(new byte[] {(byte) 0x80, 2, ']', 'q', 0, '('}, item("10", 1), new byte[] {'h', 1, 'e', '.'}, AFTER));
        // a batch of 1,001 items (pickle writes at most 1,000)
        List<String> many = new ArrayList<>();
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x80, 2, ']', 'q', 0, '('});
        for (int i = 0; i < 1001; i++) {
            many.add(Integer.toString(i));
            b.writeBytes(item(many.get(i), i + 1));
        }
        b.writeBytes(new byte[] {'e', '.'});
        others.add(b.toByteArray());
        for (int i = 0; i < others.size(); i++) {
            StorageKeys k = lane(others.get(i), LoadOptions.defaults(), new DecodeBudget(LoadOptions.defaults()));
            if (i == 5) {
                assertNotNull(k, "pickle.py's two items: one batch");
            } else {
                assertNull(k, "variant " + i);
            }
        }
    }

    @Test
    void laneDeclinesWhatALimitCouldRefuse() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            keys.add(Integer.toString(1000 + i));
        }
        byte[] pickle = keyList(keys, true);
        LoadOptions d = LoadOptions.defaults();
        assertNotNull(lane(pickle, d, new DecodeBudget(d)));
        for (LoadOptions o : List.of(LoadOptions.builder().maxMemoEntries(300).build(),
                LoadOptions.builder().maxContainerItems(299).build(),
                LoadOptions.builder().maxStackSize(300).build(),
                LoadOptions.builder().maxPickleOpcodes(600).build(),
                LoadOptions.builder().maxPickleStringBytes(100).build(),
                LoadOptions.builder().maxNestingDepth(2).build(),
                LoadOptions.builder().maxDecodedBytes(StorageKeys.bound(300, 1200) - 1).build())) {
            assertNull(lane(pickle, o, new DecodeBudget(o)), o.toString());
        }
        // the budget's room, after what earlier pickles were charged
        DecodeBudget used = new DecodeBudget(d);
        used.add(d.maxDecodedBytes() - StorageKeys.bound(300, 1200) + 1);
        assertNull(lane(pickle, d, used));
        // a window that ends before STOP (maxPickleBytes)
        MemorySegment s = MemorySegment.ofArray(pickle);
        assertNull(StorageKeys.lane(s, 0, pickle.length - AFTER.length - 1, d, new DecodeBudget(d)));
        assertNotNull(StorageKeys.lane(s, 0, pickle.length - AFTER.length, d, new DecodeBudget(d)));
    }

    private static StorageKeys lane(byte[] pickle, LoadOptions o, DecodeBudget budget) {
        return StorageKeys.lane(MemorySegment.ofArray(pickle), 0, pickle.length, o, budget);
    }

    private static PickleInput input(byte[] pickle) {
        return new PickleInput(MemorySegment.ofArray(pickle), FILE, "keys", 0);
    }

    /** The machine as PickleCursor runs it. */
    private static PickleResult machine(byte[] pickle, DecodeBudget budget) throws PtsafeException {
        LoadOptions o = LoadOptions.defaults();
        return PickleMachine.on(input(pickle), o).globals(TorchGlobals.table(o)).persistentIds(null).budget(budget)
                .heapCost(TorchHeapCost.of(true)).argumentsDieWith(TorchHeapCost.keepsNoArguments())
                .allowTrailingData().run();
    }

    /**
     * {@code pickle.dumps(keys, protocol=2)} followed by {@link #AFTER}: the C pickler writes a list of
     * one item as item APPEND and every batch of a longer list as MARK ... APPENDS; pickle.py writes a
     * last batch of one item as item APPEND too.
     */
    static byte[] keyList(List<String> keys, boolean cPickler) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x80, 2, ']', 'q', 0});
        int n = keys.size();
        if (n == 1) {
            b.writeBytes(item(keys.get(0), 1));
            b.write('a');
        } else {
            for (int start = 0; start < n; start += 1000) {
                int end = Math.min(n, start + 1000);
                boolean lone = end - start == 1 && !cPickler;
                if (!lone) {
                    b.write('(');
                }
                for (int i = start; i < end; i++) {
                    b.writeBytes(item(keys.get(i), i + 1));
                }
                b.write(lone ? 'a' : 'e');
            }
        }
        b.write('.');
        b.writeBytes(AFTER);
        return b.toByteArray();
    }

    /** BINUNICODE of {@code key}, then the BINPUT or LONG_BINPUT of {@code memo}. */
    private static byte[] item(String key, int memo) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write('X');
        b.writeBytes(le32(k.length));
        b.writeBytes(k);
        if (memo < 256) {
            b.write('q');
            b.write(memo);
        } else {
            b.write('r');
            b.writeBytes(le32(memo));
        }
        return b.toByteArray();
    }

    /** {@link #keyList} but the first key's memo index written as LONG_BINPUT 1 (valid, not what pickle writes). */
    private static byte[] longBinputAtOne(List<String> keys) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0x80, 2, ']', 'q', 0, '('});
        byte[] k = keys.get(0).getBytes(StandardCharsets.US_ASCII);
        b.write('X');
        b.writeBytes(le32(k.length));
        b.writeBytes(k);
        b.write('r');
        b.writeBytes(le32(1));
        for (int i = 1; i < keys.size(); i++) {
            b.writeBytes(item(keys.get(i), i + 1));
        }
        b.writeBytes(new byte[] {'e', '.'});
        return b.toByteArray();
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    private static byte[] with(byte[] b, int at, byte v) {
        byte[] c = b.clone();
        c[at] = v;
        return c;
    }

    private static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }
}
