package io.ptsafe.pickle.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The machine's scan mode: what loading refuses at once (forbidden opcodes and calls) is reported
 * and decoding goes on, so a scan names every global after it. The pickles are written out opcode by
 * opcode (protocol 0 text, as pickletools.dis would show them).
 */
class ScanModeTest {

    /** Records what the listener hears. */
    static final class Heard implements PickleListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void global(GlobalUse use) {
            events.add(use.status() + " " + use.resolved() + " @" + use.offset());
        }

        @Override
        public void refused(Opcode op, long offset, PtsafeException refusal) {
            events.add(refusal.reason() + " " + op + " @" + offset);
        }
    }

    static PickleMachine.Builder machine(String pickle, Heard heard) {
        MemorySegment bytes = MemorySegment.ofArray(pickle.getBytes(StandardCharsets.ISO_8859_1));
        return PickleMachine.on(PickleInput.of(bytes), LoadOptions.defaults()).globals(PythonGlobals.table())
                .listener(heard);
    }

    // MARK; MARK, STRING, INST os system @13; MARK, LIST, GLOBAL builtins eval @26, APPEND; TUPLE; STOP
    private static final String INST_THEN_GLOBAL = "((S'touch x'\nios\nsystem\n(lcbuiltins\neval\nat.";

    @Test
    void scanGoesOnAfterInst() throws PtsafeException {
        Heard heard = new Heard();
        PickleResult r = machine(INST_THEN_GLOBAL, heard).scan();
        assertEquals(List.of("FORBIDDEN os.system @13", "FORBIDDEN_OPCODE INST @13", "FORBIDDEN builtins.eval @26"),
                heard.events);
        assertEquals(1, r.forbidden().size(), "INST's own name counts as the opcode's refusal");
    }

    @Test
    void loadingStopsAtInst() {
        Heard heard = new Heard();
        PtsafeException e = assertThrows(PtsafeException.class, () -> machine(INST_THEN_GLOBAL, heard).run());
        assertEquals(Reason.FORBIDDEN_OPCODE, e.reason());
        assertEquals(List.of("FORBIDDEN os.system @13"), heard.events);
    }

    // MARK; MARK, GLOBAL collections OrderedDict @2, OBJ @27; INT 5, EMPTY_TUPLE, REDUCE @32 (on an int);
    // EXT1 7 @33; GLOBAL posix system @35; TUPLE; STOP
    private static final String OBJ_CALL_EXT = "((ccollections\nOrderedDict\noI5\n)R\u0082\u0007cposix\nsystem\nt.";

    @Test
    void scanGoesOnAfterObjForbiddenCallAndExt() throws PtsafeException {
        Heard heard = new Heard();
        machine(OBJ_CALL_EXT, heard).scan();
        assertEquals(List.of("KNOWN collections.OrderedDict @2", "FORBIDDEN_OPCODE OBJ @27",
                "FORBIDDEN_CALL REDUCE @32", "FORBIDDEN_OPCODE EXT1 @33", "FORBIDDEN posix.system @35"), heard.events);
        PtsafeException e = assertThrows(PtsafeException.class, () -> machine(OBJ_CALL_EXT, new Heard()).run());
        assertEquals(Reason.FORBIDDEN_OPCODE, e.reason());
    }

    // MARK; EMPTY_DICT, MARK, STRING, INT, DICT, BUILD @12 (on a plain dict); GLOBAL os system @13; TUPLE; STOP
    private static final String BUILD_ON_DICT = "(}(S'a'\nI1\ndbcos\nsystem\nt.";

    @Test
    void scanGoesOnAfterBuildOnADict() throws PtsafeException {
        Heard heard = new Heard();
        machine(BUILD_ON_DICT, heard).scan();
        assertEquals(List.of("FORBIDDEN_CALL BUILD @12", "FORBIDDEN os.system @13"), heard.events);
        assertEquals(Reason.FORBIDDEN_CALL,
                assertThrows(PtsafeException.class, () -> machine(BUILD_ON_DICT, new Heard()).run()).reason());
    }

    /** A truncated pickle: the scan still hears every global before the end, then the machine refuses. */
    @Test
    void truncatedAfterGlobals() {
        Heard heard = new Heard();
        String cut = "(cos\nsystem\ncsubprocess\nPopen\nS'unterminated";
        PtsafeException e = assertThrows(PtsafeException.class, () -> machine(cut, heard).scan());
        assertEquals(Reason.FORBIDDEN_GLOBAL, e.reason());
        assertEquals(Reason.TRUNCATED_PICKLE, ((PtsafeException) e.getCause()).reason());
        assertEquals(List.of("FORBIDDEN os.system @1", "FORBIDDEN subprocess.Popen @12"), heard.events);
    }
}
