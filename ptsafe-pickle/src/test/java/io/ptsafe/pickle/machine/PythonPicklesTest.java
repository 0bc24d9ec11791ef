package io.ptsafe.pickle.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.pickle.Json;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The machine against CPython's own pickler: every value of src/test/python/gen_pickles.py at every
 * protocol 0 to 5 decodes to exactly the value Python pickled.
 */
class PythonPicklesTest {
    static final Path CORPUS = Path.of("src/test/resources/pickles/pickles.json");
    static final Set<Opcode> EXECUTED = EnumSet.noneOf(Opcode.class);

    static PickleResult run(byte[] pickle) throws PtsafeException {
        return PickleMachine.on(PickleInput.of(MemorySegment.ofArray(pickle)), LoadOptions.defaults())
                .globals(PythonGlobals.table())
                .persistentIds((pid, call) -> new PyValue.Str("pid:" + ((PyValue.Str) pid).value()))
                .run();
    }

    static PyValue decode(byte[] pickle) throws PtsafeException {
        PickleResult r = run(pickle);
        synchronized (EXECUTED) {
            EXECUTED.addAll(r.opcodes());
        }
        return TreeConverter.convert(r, (leaf, path) -> {
            throw new AssertionError("no leaves expected: " + leaf);
        }, LoadOptions.defaults(), PickleInput.of(MemorySegment.ofArray(pickle))).root();
    }

    @TestFactory
    Stream<DynamicTest> everyPickle() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Object o : Json.arr(Json.read(CORPUS))) {
            Map<String, Object> e = Json.obj(o);
            if (!e.containsKey("pickle")) {
                continue;
            }
            String name = e.get("name") + " protocol " + e.get("protocol");
            byte[] pickle = HexFormat.of().parseHex((String) e.get("pickle"));
            tests.add(DynamicTest.dynamicTest(name, () -> {
                if (e.containsKey("refused")) {
                    PtsafeException x = assertThrows(PtsafeException.class, () -> decode(pickle));
                    assertEquals(Reason.valueOf((String) e.get("refused")), x.reason(), x.getMessage());
                    if (e.containsKey("opcodes")) {
                        EXECUTED.addAll(run(pickle).opcodes());
                    }
                } else {
                    assertEquals(e.get("expected"), Canon.of(decode(pickle)), name);
                }
            }));
        }
        assertFalse(tests.isEmpty());
        return tests.stream();
    }

    /** Every opcode CPython emitted for the corpus ran in the machine (the factory above runs first). */
    @Test
    void corpusCoversWhatPythonEmits() throws Exception {
        Set<String> python = new TreeSet<>();
        for (Object o : Json.arr(Json.read(CORPUS))) {
            Map<String, Object> e = Json.obj(o);
            if (e.containsKey("opcodes")) {
                Json.arr(e.get("opcodes")).forEach(x -> python.add((String) x));
                byte[] pickle = HexFormat.of().parseHex((String) e.get("pickle"));
                EXECUTED.addAll(run(pickle).opcodes());
            }
        }
        Set<String> ran = new TreeSet<>();
        EXECUTED.forEach(op -> ran.add(op.name()));
        assertEquals(python, ran);
        assertTrue(ran.size() >= 50, "the corpus exercises " + ran.size() + " opcodes");
    }

    /** The opcode table is CPython's pickletools table: names, bytes, argument kinds, protocols. */
    @Test
    void opcodeTableMatchesPickletools() throws Exception {
        Map<String, ArgKind> kinds = Map.ofEntries(Map.entry("decimalnl_short", ArgKind.DECIMAL_NL),
                Map.entry("decimalnl_long", ArgKind.DECIMAL_NL_LONG), Map.entry("int4", ArgKind.INT4),
                Map.entry("uint1", ArgKind.UINT1), Map.entry("uint2", ArgKind.UINT2), Map.entry("uint4", ArgKind.UINT4),
                Map.entry("uint8", ArgKind.UINT8), Map.entry("long1", ArgKind.LONG1), Map.entry("long4", ArgKind.LONG4),
                Map.entry("stringnl", ArgKind.STRING_NL), Map.entry("string1", ArgKind.BYTES1),
                Map.entry("string4", ArgKind.STRING4), Map.entry("bytes1", ArgKind.BYTES1),
                Map.entry("bytes4", ArgKind.BYTES4), Map.entry("bytes8", ArgKind.BYTES8),
                Map.entry("bytearray8", ArgKind.BYTES8), Map.entry("unicodestringnl", ArgKind.UNICODE_NL),
                Map.entry("unicodestring1", ArgKind.UNICODE1), Map.entry("unicodestring4", ArgKind.UNICODE4),
                Map.entry("unicodestring8", ArgKind.UNICODE8), Map.entry("floatnl", ArgKind.FLOAT_NL),
                Map.entry("float8", ArgKind.FLOAT8), Map.entry("stringnl_noescape", ArgKind.STRING_NL_NOESCAPE),
                Map.entry("stringnl_noescape_pair", ArgKind.STRING_NL_NOESCAPE_PAIR));
        List<Object> table = Json.arr(Json.read(Path.of("src/test/resources/pickles/opcodes.json")));
        assertEquals(table.size(), Opcode.values().length);
        for (Object o : table) {
            Map<String, Object> e = Json.obj(o);
            Opcode op = Opcode.valueOf((String) e.get("name"));
            assertEquals(Integer.parseInt(e.get("code").toString()), op.code(), op.name());
            assertEquals(Integer.parseInt(e.get("proto").toString()), op.protocol(), op.name());
            assertEquals(e.get("arg") == null ? ArgKind.NONE : kinds.get(e.get("arg")), op.arg(), op.name());
            assertEquals(op, Opcode.of(op.code()).orElseThrow());
        }
    }
}
