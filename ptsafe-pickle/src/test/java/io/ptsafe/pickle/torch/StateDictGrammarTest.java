package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.ptsafe.LoadOptions;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The grammar on pickles written here opcode by opcode, as torch.save writes a flat state dict of
 * one-element float tensors: what it takes, and what it leaves to the machine (each decline here is
 * a file the machine refuses or reads otherwise; the differential tests compare the two on files).
 */
class StateDictGrammarTest {
    /** A state dict pickle in torch.save's protocol-2 form, with one variation point per test. */
    private static final class Writer {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        int memo;

        Writer op(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        Writer str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X', b.length & 0xff, b.length >>> 8 & 0xff, b.length >>> 16 & 0xff, b.length >>> 24);
            out.writeBytes(b);
            return this;
        }

        Writer global(String module, String name) {
            op('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Writer put() {
            int i = memo++;
            return i < 256 ? op('q', i) : op('r', i & 0xff, i >>> 8 & 0xff, i >>> 16 & 0xff, i >>> 24);
        }

        /** One tensor of one float over storage {@code key}. */
        Writer tensor(String key) {
            global("torch._utils", "_rebuild_tensor_v2").put().op('(', '(').str("storage").put()
                    .global("torch", "FloatStorage").put().str(key).put().str("cpu").put().op('K', 1, 't').put()
                    .op('Q', 'K', 0, 'K', 1, 0x85).put().op('K', 1, 0x85).put().op(0x89)
                    .global("collections", "OrderedDict").put().op(')', 'R').put().op('t').put().op('R').put();
            return this;
        }

        MemorySegment dict(List<String> names) {
            return dict(names, names.stream().map(n -> Integer.toString(names.indexOf(n))).toList());
        }

        /** The dict of {@code names}, tensor i over storage {@code keys.get(i)}. */
        MemorySegment dict(List<String> names, List<String> keys) {
            op(0x80, 2, '}').put().op('(');
            for (int i = 0; i < names.size(); i++) {
                str(names.get(i)).put().tensor(keys.get(i));
            }
            op('u', '.');
            return MemorySegment.ofArray(out.toByteArray());
        }
    }

    private static StateDictGrammar.Parsed parse(MemorySegment pickle) {
        return StateDictGrammar.parse(pickle, LoadOptions.defaults(), false);
    }

    @Test
    void takesAFlatStateDict() {
        StateDictGrammar.Parsed p = parse(new Writer().dict(List.of("a.weight", "a.bias", "b")));
        assertNotNull(p);
        assertEquals(3, p.size());
        assertEquals(List.of("a.weight", "a.bias", "b"), java.util.Arrays.asList(p.names()).subList(0, 3));
        assertEquals(3, p.namedCount());
        assertArrayEquals(new long[] {1}, p.shapes()[2]);
        assertEquals(false, p.ordered());
    }

    @Test
    void storagesNamedAgainAreOneStorageWhateverTheirKeys() {
        // torch's zip keys "0", "1", ... found by number; others (legacy addresses, "01") by a table.
        assertStorages(List.of("0", "1", "0", "2", "1"), 3, new int[] {0, 1, 0, 2, 1});
        assertStorages(List.of("5", "7", "5"), 2, new int[] {0, 1, 0});
        assertStorages(List.of("0", "1", "01", "1", "01"), 3, new int[] {0, 1, 2, 1, 2});
        assertStorages(List.of("0", "2", "1", "2"), 3, new int[] {0, 1, 2, 1});
    }

    private static void assertStorages(List<String> keys, int storages, int[] storageOf) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            names.add("t" + i);
        }
        StateDictGrammar.Parsed p = parse(new Writer().dict(names, keys));
        assertNotNull(p, keys.toString());
        assertEquals(storages, p.namedCount(), keys.toString());
        assertArrayEquals(storageOf, java.util.Arrays.copyOf(p.storageOf(), keys.size()), keys.toString());
        for (int i = 0; i < keys.size(); i++) {
            assertEquals(keys.get(i), p.named()[p.storageOf()[i]].key());
        }
    }

    @Test
    void declinesAKeySetTwice() {
        // The machine's dict keeps the first place and the last value: the lane leaves that to it.
        assertNull(parse(new Writer().dict(List.of("a", "b", "a"))));
    }

    @Test
    void declinesMoreThan32KeysOfOneHashCode() {
        // "Aa" and "BB" share a hash code, so every string of n such pairs shares one: 2^n of them.
        List<String> colliding = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            StringBuilder s = new StringBuilder();
            for (int bit = 0; bit < 6; bit++) {
                s.append((i >>> bit & 1) == 0 ? "Aa" : "BB");
            }
            colliding.add(s.toString());
        }
        assertEquals(1, colliding.stream().mapToInt(String::hashCode).distinct().count());
        assertNotNull(parse(new Writer().dict(colliding.subList(0, 32))), "32 share a code: the converter allows them");
        assertNull(parse(new Writer().dict(colliding.subList(0, 33))), "33: the converter refuses, the lane declines");
    }

    @Test
    void declinesTrailingBytesAndATruncatedPickle() {
        MemorySegment ok = new Writer().dict(List.of("w"));
        assertNotNull(parse(ok));
        byte[] longer = new byte[(int) ok.byteSize() + 1];
        MemorySegment.copy(ok, 0, MemorySegment.ofArray(longer), 0, ok.byteSize());
        assertNull(parse(MemorySegment.ofArray(longer)));
        for (long cut = 0; cut < ok.byteSize(); cut++) {
            assertNull(parse(ok.asSlice(0, cut)), "cut at " + cut);
        }
    }

    @Test
    void aLegacyObjectPickleEndsAtItsStop() {
        Writer w = new Writer();
        w.op(0x80, 2, '}').put().op('(').str("w").put();
        w.global("torch._utils", "_rebuild_tensor_v2").put().op('(', '(').str("storage").put()
                .global("torch", "FloatStorage").put().str("140").put().str("cpu").put().op('K', 1, 'N', 't').put()
                .op('Q', 'K', 0, 'K', 1, 0x85).put().op('K', 1, 0x85).put().op(0x89)
                .global("collections", "OrderedDict").put().op(')', 'R').put().op('t').put().op('R').put();
        w.op('u', '.');
        int length = w.out.size();
        w.op(0x80, 2, ']', '.'); // the next pickle of the stream
        StateDictGrammar.Parsed p = StateDictGrammar.parse(MemorySegment.ofArray(w.out.toByteArray()),
                LoadOptions.defaults(), true);
        assertNotNull(p);
        assertEquals(length, p.length());
        assertEquals("140", p.named()[0].key());
    }

    @Test
    void declinesAStorageNamedTwiceWithTwoSizes() {
        Writer w = new Writer();
        w.op(0x80, 2, '}').put().op('(');
        w.str("a").put().tensor("0");
        w.str("b").put();
        // storage '0' again, of 2 elements this time: the machine refuses the conflict
        w.global("torch._utils", "_rebuild_tensor_v2").put().op('(', '(').str("storage").put()
                .global("torch", "FloatStorage").put().str("0").put().str("cpu").put().op('K', 2, 't').put()
                .op('Q', 'K', 0, 'K', 1, 0x85).put().op('K', 1, 0x85).put().op(0x89)
                .global("collections", "OrderedDict").put().op(')', 'R').put().op('t').put().op('R').put();
        w.op('u', '.');
        assertNull(parse(MemorySegment.ofArray(w.out.toByteArray())));
    }
}
