package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.pickle.Fixtures;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * {@link StateDictLane} changes speed only, on the corners of the state-dict grammar torch.save
 * never writes but a pickle can hold: duplicate keys, keys from the memo, SETITEM instead of
 * SETITEMS, an OrderedDict built from a list, odd BUILD states, storage keys used with two classes or
 * sizes, keys that are not str (or not valid UTF-8, or a lone surrogate, which Python's pickle
 * accepts), values that are not tensors, tensors with hooks or requires_grad, other opcodes for the
 * same values (protocol 0 DICT, SHORT_BINUNICODE, STACK_GLOBAL, FRAME), junk after STOP. Each
 * hand-made pickle is opened, in a zip checkpoint and as a legacy object pickle, with the lane on and
 * off: the same refusal or the same file ({@link LaneOutcomes}).
 */
class StateDictLaneCraftedTest {
    static final LoadOptions OPTIONS = LoadOptions.defaults();

    /** One crafted pickle: the bytes after PROTO 2, given whether the storages are legacy ones. */
    record Case(String name, Consumer<Asm> body) {
    }

    /**
     * Cases the machine opens today, so that the crafted bytes are known to be what they mean to be
     * (a typo in a case would make it a refusal both ways, and the comparison empty).
     */
    static final List<String> OPENS = List.of("two_tensors", "ordered_dict", "empty_dict", "empty_ordered_dict",
            "duplicate_key", "duplicate_key_from_memo", "duplicate_key_two_batches", "setitem_single",
            "protocol0_dict_opcode", "ordered_dict_from_list", "tensor_under_two_keys_by_memo", "requires_grad",
            "rebuild_seven_args_none", "build_metadata", "build_twice", "setitems_after_build", "stack_global",
            "memoize_opcode", "key_short_binunicode", "key_int", "value_int");

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("two_tensors", a -> a.dict().mark().key("a").tensor("0").key("b").tensor("1").op('u')));
        c.add(new Case("ordered_dict", a -> a.orderedDict().mark().key("a").tensor("0").key("b").tensor("1").op('u')));
        c.add(new Case("empty_dict", a -> a.dict()));
        c.add(new Case("empty_ordered_dict", a -> a.orderedDict()));
        c.add(new Case("empty_setitems", a -> a.dict().mark().op('u')));
        c.add(new Case("duplicate_key", a -> a.dict().mark().key("a").tensor("0").key("a").tensor("1").op('u')));
        c.add(new Case("duplicate_key_from_memo", a -> a.dict().mark().key("a").put(90).tensor("0").get(90)
                .tensor("1").op('u')));
        c.add(new Case("duplicate_key_two_batches", a -> a.dict().mark().key("a").tensor("0").op('u').mark().key("b")
                .tensor("1").key("a").tensor("0").op('u')));
        c.add(new Case("setitem_single", a -> a.dict().key("a").tensor("0").op('s').key("b").tensor("1").op('s')));
        c.add(new Case("setitems_then_setitem", a -> a.dict().mark().key("a").tensor("0").op('u').key("b")
                .tensor("1").op('s')));
        c.add(new Case("setitems_odd", a -> a.dict().mark().key("a").tensor("0").key("b").op('u')));
        c.add(new Case("protocol0_dict_opcode", a -> a.mark().key("a").tensor("0").key("b").tensor("1").op('d')));
        c.add(new Case("ordered_dict_from_list", a -> a.global("collections", "OrderedDict").mark().op(']').mark()
                .mark().key("a").tensor("0").op('t').mark().key("b").tensor("1").op('t').op('e').op('t', 'R')));
        c.add(new Case("tensor_under_two_keys_by_memo", a -> a.dict().mark().key("a").tensor("0").put(91).key("b")
                .get(91).op('u')));
        c.add(new Case("storage_two_classes", a -> a.dict().mark().key("a").tensor("0").key("b")
                .tensor("torch", "IntStorage", "0", 2, 0, new int[] {2}, new int[] {1}, false).op('u')));
        c.add(new Case("storage_two_sizes", a -> a.dict().mark().key("a").tensor("0").key("b")
                .tensor("torch", "FloatStorage", "0", 1, 0, new int[] {1}, new int[] {1}, false).op('u')));
        c.add(new Case("view_offset_out_of_bounds", a -> a.dict().mark().key("a")
                .tensor("torch", "FloatStorage", "0", 2, 2, new int[] {1}, new int[] {1}, false).op('u')));
        c.add(new Case("negative_size", a -> a.dict().mark().key("a")
                .tensor("torch", "FloatStorage", "0", 2, 0, new int[] {-1}, new int[] {1}, false).op('u')));
        c.add(new Case("negative_stride", a -> a.dict().mark().key("a")
                .tensor("torch", "FloatStorage", "0", 2, 1, new int[] {2}, new int[] {-1}, false).op('u')));
        c.add(new Case("zero_stride", a -> a.dict().mark().key("a")
                .tensor("torch", "FloatStorage", "0", 2, 0, new int[] {5}, new int[] {0}, false).op('u')));
        c.add(new Case("requires_grad", a -> a.dict().mark().key("a")
                .tensor("torch", "FloatStorage", "0", 2, 0, new int[] {2}, new int[] {1}, true).op('u')));
        c.add(new Case("unknown_storage_class", a -> a.dict().mark().key("a")
                .tensor("torch", "NotAStorage", "0", 2, 0, new int[] {2}, new int[] {1}, false).op('u')));
        c.add(new Case("storage_class_other_module", a -> a.dict().mark().key("a")
                .tensor("torch.cuda", "FloatStorage", "0", 2, 0, new int[] {2}, new int[] {1}, false).op('u')));
        c.add(new Case("hooks_not_empty", a -> a.dict().mark().key("a").rebuild(() -> {
            a.storage("torch", "FloatStorage", "0", 2).integer(0).ints(2).ints(1).op(0x89);
            // OrderedDict([(1, 'h')])
            a.global("collections", "OrderedDict").mark().op(']').mark().mark().integer(1).key("h").op('t').op('e')
                    .op('t', 'R');
        }).op('u')));
        c.add(new Case("rebuild_seven_args_none", a -> a.dict().mark().key("a").rebuild(() -> {
            a.storage("torch", "FloatStorage", "0", 2).integer(0).ints(2).ints(1).op(0x89);
            a.global("collections", "OrderedDict").op(')', 'R').op('N');
        }).op('u')));
        c.add(new Case("rebuild_five_args", a -> a.dict().mark().key("a").rebuild(() ->
                a.storage("torch", "FloatStorage", "0", 2).integer(0).ints(2).ints(1).op(0x89)).op('u')));
        c.add(new Case("size_as_list", a -> a.dict().mark().key("a").rebuild(() -> {
            a.storage("torch", "FloatStorage", "0", 2).integer(0).op(']').integer(2).op('a').ints(1).op(0x89);
            a.global("collections", "OrderedDict").op(')', 'R');
        }).op('u')));
        c.add(new Case("storage_location_cuda", a -> a.dict().mark().key("a").rebuild(() -> {
            a.storageAt("torch", "FloatStorage", "0", "cuda:0", 2).integer(0).ints(2).ints(1).op(0x89);
            a.global("collections", "OrderedDict").op(')', 'R');
        }).op('u')));
        c.add(new Case("storage_tag_not_storage", a -> a.dict().mark().key("a").rebuild(() -> {
            a.mark().key("storagf").global("torch", "FloatStorage").key("0").key("cpu").integer(2);
            if (a.legacy) {
                a.op('N');
            }
            a.op('t', 'Q').integer(0).ints(2).ints(1).op(0x89);
            a.global("collections", "OrderedDict").op(')', 'R');
        }).op('u')));
        c.add(new Case("key_bytes", a -> a.dict().mark().raw('C', 1, 'a').tensor("0").op('u')));
        c.add(new Case("key_none", a -> a.dict().mark().op('N').tensor("0").op('u')));
        c.add(new Case("key_int", a -> a.dict().mark().integer(7).tensor("0").op('u')));
        c.add(new Case("key_negative_int", a -> a.dict().mark().integer(-7).tensor("0").op('u')));
        c.add(new Case("key_bool", a -> a.dict().mark().op(0x88).tensor("0").op('u')));
        c.add(new Case("key_float", a -> a.dict().mark().raw('G', 0x3f, 0xf0, 0, 0, 0, 0, 0, 0).tensor("0").op('u')));
        c.add(new Case("key_tuple", a -> a.dict().mark().key("a").key("b").op(0x86).tensor("0").op('u')));
        c.add(new Case("key_short_binunicode", a -> a.dict().mark().raw(0x8c, 1, 'a').tensor("0").op('u')));
        c.add(new Case("key_binunicode8", a -> a.dict().mark().raw(0x8d, 1, 0, 0, 0, 0, 0, 0, 0, 'a').tensor("0")
                .op('u')));
        c.add(new Case("key_unicode_newline", a -> a.dict().mark().raw('V', 'a', '\\', 'u', '0', '0', 'e', '9', '\n')
                .tensor("0").op('u')));
        c.add(new Case("key_invalid_utf8", a -> a.dict().mark().raw('X', 2, 0, 0, 0, 0xc3, 0x28).tensor("0").op('u')));
        c.add(new Case("key_overlong_utf8", a -> a.dict().mark().raw('X', 2, 0, 0, 0, 0xc0, 0x80).tensor("0").op('u')));
        c.add(new Case("key_lone_surrogate", a -> a.dict().mark().raw('X', 3, 0, 0, 0, 0xed, 0xa0, 0x80).tensor("0")
                .op('u')));
        c.add(new Case("key_surrogate_pair_cesu", a -> a.dict().mark().raw('X', 6, 0, 0, 0, 0xed, 0xa0, 0xbd, 0xed,
                0xb8, 0x80).tensor("0").op('u')));
        c.add(new Case("key_nul", a -> a.dict().mark().raw('X', 3, 0, 0, 0, 'a', 0, 'b').tensor("0").op('u')));
        c.add(new Case("key_length_past_end", a -> a.dict().mark().raw('X', 0xff, 0xff, 0, 0, 'a')));
        c.add(new Case("value_int", a -> a.dict().mark().key("a").tensor("0").key("n").integer(3).op('u')));
        c.add(new Case("value_none", a -> a.dict().mark().key("a").op('N').op('u')));
        c.add(new Case("value_nested_dict", a -> a.dict().mark().key("a").dict().mark().key("b").tensor("0").op('u')
                .op('u')));
        c.add(new Case("value_list_of_tensors", a -> a.dict().mark().key("a").op(']').mark().tensor("0").tensor("1")
                .op('e').op('u')));
        c.add(new Case("build_metadata", a -> a.orderedDict().mark().key("a").tensor("0").op('u').dict()
                .key("_metadata").orderedDict().key("").dict().key("version").integer(1).op('s', 's', 's', 'b')));
        c.add(new Case("build_metadata_on_dict", a -> a.dict().mark().key("a").tensor("0").op('u').dict()
                .key("_metadata").orderedDict().op('s', 'b')));
        c.add(new Case("build_other_attribute", a -> a.orderedDict().mark().key("a").tensor("0").op('u').dict()
                .key("other").integer(1).op('s', 'b')));
        c.add(new Case("build_state_not_dict", a -> a.orderedDict().mark().key("a").tensor("0").op('u').integer(1)
                .op('b')));
        c.add(new Case("build_twice", a -> a.orderedDict().mark().key("a").tensor("0").op('u').dict().key("_metadata")
                .orderedDict().op('s', 'b').dict().key("_metadata").orderedDict().op('s', 'b')));
        c.add(new Case("build_state_tuple", a -> a.orderedDict().mark().key("a").tensor("0").op('u').op('N').dict()
                .key("_metadata").orderedDict().op('s').op(0x86, 'b')));
        c.add(new Case("setitems_after_build", a -> a.orderedDict().dict().key("_metadata").orderedDict()
                .op('s', 'b').mark().key("a").tensor("0").op('u')));
        c.add(new Case("stack_global", a -> a.dict().mark().key("a").key("torch._utils").key("_rebuild_tensor_v2")
                .op(0x93).mark().storage("torch", "FloatStorage", "0", 2).integer(0).ints(2).ints(1).op(0x89)
                .global("collections", "OrderedDict").op(')', 'R', 't', 'R', 'u')));
        c.add(new Case("frame", a -> a.raw(0x95, 0, 0, 0, 0, 0, 0, 0, 0).dict()));
        c.add(new Case("memoize_opcode", a -> a.dict().op(0x94).mark().key("a").op(0x94).tensor("0").op('u')));
        c.add(new Case("get_unset_memo", a -> a.dict().mark().key("a").get(200).op('u')));
        c.add(new Case("put_overwrites_memo", a -> a.dict().mark().key("a").put(1).tensor("0").put(1).key("b").get(1)
                .op('u')));
        c.add(new Case("extra_on_stack_at_stop", a -> a.dict().dict()));
        c.add(new Case("dup_dict", a -> a.dict().op('2').mark().key("a").tensor("0").op('u').op('0')));
        c.add(new Case("pop_mark", a -> a.dict().mark().key("a").tensor("0").op('1')));
        c.add(new Case("junk_after_stop", a -> a.dict().op('.').op('N')));
        c.add(new Case("no_stop", a -> a.dict().mark().key("a").tensor("0").op('u').noStop()));
        return c;
    }

    @TestFactory
    Stream<DynamicTest> craftedStateDictsOpenTheSameWithTheLaneOnAndOff() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            for (boolean legacy : new boolean[] {false, true}) {
                String name = c.name() + (legacy ? ".legacy.pt" : ".pt");
                tests.add(DynamicTest.dynamicTest(name, () -> {
                    Asm a = new Asm(legacy);
                    c.body().accept(a);
                    byte[] pickle = a.finish();
                    byte[] file = legacy ? legacyFile(pickle, a.records) : zipFile(pickle, a.records);
                    LaneOutcomes.Outcome off = LaneOutcomes.open(file, name, OPTIONS, false);
                    LaneOutcomes.Outcome on = LaneOutcomes.open(file, name, OPTIONS, true);
                    if (OPENS.contains(c.name())) {
                        assertTrue(!off.text().startsWith("refused") && !off.text().startsWith("THREW"),
                                () -> name + " does not open: " + off.text());
                    }
                    assertEquals(off.text(), on.text(), () -> name + ": pickle "
                            + java.util.HexFormat.of().formatHex(pickle) + "\n"
                            + LaneOutcomes.firstDifference(off.text(), on.text()));
                }));
            }
        }
        return tests.stream();
    }

    static byte[] zipFile(byte[] pickle, Map<String, byte[]> records) throws Exception {
        java.nio.file.Path tmp = Files.createTempFile("lane-crafted", ".pt");
        try {
            io.ptsafe.pickle.TorchZips.checkpoint(tmp, pickle, records);
            return Files.readAllBytes(tmp);
        } finally {
            Files.delete(tmp);
        }
    }

    /** Magic, protocol and sys_info pickles of a real legacy file, then the object pickle, keys and storages. */
    static byte[] legacyFile(byte[] pickle, Map<String, byte[]> records) throws Exception {
        byte[] real = Files.readAllBytes(Fixtures.TORCH.resolve("lane/plain_dict.legacy.pt"));
        int start = 0;
        for (int k = 0; k < 3; k++) {
            start = PickleOps.walk(real, start).getLast().end();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(real, 0, start);
        out.writeBytes(pickle);
        Asm keys = new Asm(false);
        keys.op(']').mark();
        records.keySet().forEach(keys::key);
        keys.op('e');
        out.writeBytes(keys.finish());
        for (Map.Entry<String, byte[]> e : records.entrySet()) {
            int elementSize = 4;   // every crafted storage is a FloatStorage or IntStorage of 4-byte elements
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(e.getValue().length / elementSize).array());
            out.writeBytes(e.getValue());
        }
        return out.toByteArray();
    }

    /** A protocol-2 pickle assembler that also collects the storages its tensors name (8 bytes each). */
    static final class Asm {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final boolean legacy;
        final Map<String, byte[]> records = new LinkedHashMap<>();
        private boolean stop = true;

        Asm(boolean legacy) {
            this.legacy = legacy;
            op(0x80, 2);
        }

        Asm op(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        Asm raw(int... bytes) {
            return op(bytes);
        }

        Asm mark() {
            return op('(');
        }

        Asm dict() {
            return op('}');
        }

        Asm orderedDict() {
            return global("collections", "OrderedDict").op(')', 'R');
        }

        Asm put(int i) {
            return op('q', i);
        }

        Asm get(int i) {
            return op('h', i);
        }

        Asm key(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
            out.writeBytes(b);
            return this;
        }

        Asm integer(int v) {
            op('J');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
            return this;
        }

        Asm ints(int... values) {
            mark();
            for (int v : values) {
                integer(v);
            }
            return op('t');
        }

        Asm global(String module, String name) {
            out.writeBytes(("c" + module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        /** BINPERSID of the storage tuple torch writes (legacy: with a view_metadata None). */
        Asm storage(String module, String cls, String key, int numel) {
            return storageAt(module, cls, key, "cpu", numel);
        }

        Asm storageAt(String module, String cls, String key, String location, int numel) {
            records.putIfAbsent(key, new byte[8]);
            mark().key("storage").global(module, cls).key(key).key(location).integer(numel);
            if (legacy) {
                op('N');
            }
            return op('t', 'Q');
        }

        Asm rebuild(Runnable args) {
            global("torch._utils", "_rebuild_tensor_v2").mark();
            args.run();
            return op('t', 'R');
        }

        /** A float tensor [2] of storage {@code key} (2 elements). */
        Asm tensor(String key) {
            return tensor("torch", "FloatStorage", key, 2, 0, new int[] {2}, new int[] {1}, false);
        }

        Asm tensor(String module, String cls, String key, int numel, int offset, int[] size, int[] stride,
                boolean requiresGrad) {
            return rebuild(() -> {
                storage(module, cls, key, numel).integer(offset).ints(size).ints(stride).op(requiresGrad ? 0x88 : 0x89);
                orderedDict();
            });
        }

        Asm noStop() {
            stop = false;
            return this;
        }

        byte[] finish() {
            if (stop) {
                op('.');
            }
            return out.toByteArray();
        }
    }
}
