package io.ptsafe.pickle.machine;

import static io.ptsafe.pickle.machine.OpcodeTest.assertReason;
import static io.ptsafe.pickle.machine.Pickles.decode;
import static io.ptsafe.pickle.machine.Pickles.le4;
import static io.ptsafe.pickle.machine.Pickles.machine;
import static io.ptsafe.pickle.machine.Pickles.pk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per refusal rule of the machine, asserting the Reason. */
class RulesTest {
    static final byte[] OS_SYSTEM = pk("cos\nsystem\n", "S'ls'\n", 0x85, 'R');

    @Test
    void forbiddenOpcodes() {
        assertReason(Reason.FORBIDDEN_OPCODE, pk("(S'ls'\nios\nsystem\n."));
        assertReason(Reason.FORBIDDEN_OPCODE, pk("(ccollections\nOrderedDict\no."));
        assertReason(Reason.FORBIDDEN_OPCODE, pk(0x80, 2, 0x82, 1, '.'));
        assertReason(Reason.FORBIDDEN_OPCODE, pk(0x80, 2, 0x83, 1, 0, '.'));
        assertReason(Reason.FORBIDDEN_OPCODE, pk(0x80, 2, 0x84, le4(1), '.'));
        assertReason(Reason.FORBIDDEN_OPCODE, pk(0x80, 5, 0x97, '.'));
        assertReason(Reason.FORBIDDEN_OPCODE, pk(0x80, 5, 'N', 0x98, '.'));
    }

    @Test
    void unknownOpcode() {
        assertReason(Reason.UNKNOWN_OPCODE, pk(0x80, 2, 0xff, '.'));
        assertReason(Reason.UNKNOWN_OPCODE, pk(0));
    }

    @Test
    void truncation() {
        assertReason(Reason.TRUNCATED_PICKLE, pk());
        assertReason(Reason.TRUNCATED_PICKLE, pk(0x80));
        assertReason(Reason.TRUNCATED_PICKLE, pk(0x80, 2, ']'));
        assertReason(Reason.TRUNCATED_PICKLE, pk('X', le4(5), "ab"));
        assertReason(Reason.TRUNCATED_PICKLE, pk('X', le4(-1), "ab."));
        assertReason(Reason.TRUNCATED_PICKLE, pk('G', 0, 0));
        assertReason(Reason.TRUNCATED_PICKLE, pk("cos\nsys"));
    }

    @Test
    void trailingData() throws Exception {
        assertReason(Reason.TRAILING_DATA, pk("N.N"));
        PickleResult r = machine(pk("N.N."), LoadOptions.defaults()).allowTrailingData().run();
        assertEquals(2, r.end());
    }

    @Test
    void stopNeedsExactlyOneValue() {
        assertReason(Reason.MALFORMED_PICKLE, pk("NN."));
        assertReason(Reason.MALFORMED_PICKLE, pk("."));
        assertReason(Reason.MALFORMED_PICKLE, pk("N(."));
    }

    @Test
    void stackUnderflowAndMarks() {
        assertReason(Reason.MALFORMED_PICKLE, pk("R."));
        assertReason(Reason.MALFORMED_PICKLE, pk("](a."));
        assertReason(Reason.MALFORMED_PICKLE, pk("]e."));
        assertReason(Reason.MALFORMED_PICKLE, pk("t."));
        assertReason(Reason.MALFORMED_PICKLE, pk("0."));
        assertReason(Reason.MALFORMED_PICKLE, pk("1."));
    }

    @Test
    void containerOpcodesOnlyOnTheirContainer() {
        assertReason(Reason.MALFORMED_PICKLE, pk("}Na."));
        assertReason(Reason.MALFORMED_PICKLE, pk("]NNs."));
        assertReason(Reason.MALFORMED_PICKLE, pk("](NNu."));
        assertReason(Reason.MALFORMED_PICKLE, pk("}(Nu."));
        assertReason(Reason.MALFORMED_PICKLE, pk(0x80, 4, ']', '(', 'N', 0x90, '.'));
        assertReason(Reason.MALFORMED_PICKLE, pk(0x80, 4, '(', 0x91, '(', 'N', 0x90, '.'));
    }

    @Test
    void unhashableKeys() {
        assertReason(Reason.MALFORMED_PICKLE, pk("}]Ns."));
        assertReason(Reason.MALFORMED_PICKLE, pk("}}Ns."));
        assertReason(Reason.MALFORMED_PICKLE, pk(0x80, 4, 0x8f, '(', ']', 0x90, '.'));
        assertReason(Reason.MALFORMED_PICKLE, pk(0x80, 5, '}', 0x96, Pickles.le8(0), 'N', 's', '.'));
        assertReason(Reason.MALFORMED_PICKLE, pk("}(]tNs."));
    }

    @Test
    void forbiddenGlobalsAreAllListed() {
        byte[] p = pk("(", OS_SYSTEM, "cbuiltins\neval\n", "S'1'\n", 0x85, 'R', "cposix\nsystem\nl.");
        ForbiddenGlobalsException x = assertThrows(ForbiddenGlobalsException.class, () -> decode(p));
        assertEquals(Reason.FORBIDDEN_GLOBAL, x.reason());
        assertEquals(List.of("os.system", "builtins.eval", "posix.system"),
                x.globals().stream().map(GlobalUse::resolved).toList());
        assertEquals(List.of(1L, 20L, 42L), x.globals().stream().map(GlobalUse::offset).toList());
        assertTrue(x.getMessage().contains("os.system (byte 1)"), x.getMessage());
        assertTrue(x.getMessage().contains("test.pkl"), x.getMessage());
    }

    @Test
    void stackGlobalFromMemoisedStringsIsResolvedLikeGlobal() {
        byte[] p = pk(0x80, 4, 0x8c, 2, "os", 0x94, 0x8c, 6, "system", 0x94, '0', '0', "h", 0, "h", 1, 0x93,
                0x8c, 2, "ls", 0x85, 'R', '.');
        ForbiddenGlobalsException x = assertThrows(ForbiddenGlobalsException.class, () -> decode(p));
        assertEquals("os.system", x.globals().getFirst().resolved());
        assertEquals(Opcode.STACK_GLOBAL, x.globals().getFirst().opcode());
        assertReason(Reason.MALFORMED_PICKLE, pk(0x80, 4, 'K', 1, 0x8c, 1, "x", 0x93, '.'));
    }

    @Test
    void poisonKeepsDecodingAndLaterErrorsStillReportTheGlobals() {
        // After a forbidden global, APPEND/SETITEM/BUILD on the poison go on; the malformed tail is reported as context.
        byte[] p = pk(OS_SYSTEM, "Na", "NNs", "Nb", 0xff);
        ForbiddenGlobalsException x = assertThrows(ForbiddenGlobalsException.class, () -> decode(p));
        assertTrue(x.getMessage().contains("decoding then stopped"), x.getMessage());
        assertEquals(Reason.UNKNOWN_OPCODE, ((PtsafeException) x.getCause()).reason());
        assertReason(Reason.FORBIDDEN_GLOBAL, pk("(", OS_SYSTEM, "o."));
    }

    @Test
    void scanModeCollectsWithoutRefusing() throws Exception {
        List<GlobalUse> seen = new ArrayList<>();
        List<Opcode> ops = new ArrayList<>();
        PickleResult r = machine(pk("(", OS_SYSTEM, "ccollections\nOrderedDict\n", ")Rl."), LoadOptions.defaults())
                .listener(new PickleListener() {
                    @Override
                    public void opcode(Opcode op, long offset) {
                        ops.add(op);
                    }

                    @Override
                    public void global(GlobalUse use) {
                        seen.add(use);
                    }
                }).scan();
        assertEquals(List.of("os.system", "collections.OrderedDict"), seen.stream().map(GlobalUse::resolved).toList());
        assertEquals(List.of(GlobalUse.Status.FORBIDDEN, GlobalUse.Status.KNOWN), seen.stream().map(GlobalUse::status).toList());
        assertEquals(1, r.forbidden().size());
        assertEquals(Opcode.MARK, ops.getFirst());
        assertTrue(r.opcodes().contains(Opcode.REDUCE));
    }

    @Test
    void forbiddenCalls() {
        GlobalTable t = PythonGlobals.table().toBuilder().put("torch.float32", Meaning.dataOnly()).build();
        PtsafeException x = assertThrows(PtsafeException.class, () -> machine(pk("ctorch\nfloat32\n)R."),
                LoadOptions.defaults()).globals(t).run());
        assertEquals(Reason.FORBIDDEN_CALL, x.reason());
        assertReason(Reason.FORBIDDEN_CALL, pk("})R."));
        assertReason(Reason.FORBIDDEN_CALL, pk("]}b."));
        assertReason(Reason.FORBIDDEN_CALL, pk("}}b."));
        assertReason(Reason.FORBIDDEN_CALL, pk(0x80, 2, "}N)", 0x81, '.'));
        assertReason(Reason.MALFORMED_PICKLE, pk("cbuiltins\nset\nNR."));
    }

    @Test
    void buildOnOrderedDictKeepsEntries() throws Exception {
        PyValue.Dict d = (PyValue.Dict) decode(pk("ccollections\nOrderedDict\n)R(S'k'\nI1\nu(dS'_metadata'\nNsb."));
        assertEquals("OrderedDict", d.kind());
        assertEquals(PyValue.Int.of(1), d.get("k"));
        assertReason(Reason.MALFORMED_PICKLE, pk("ccollections\nOrderedDict\n)R]b."));
    }

    @Test
    void persistentIdsNeedALoader() {
        assertReason(Reason.INVALID_PERSISTENT_ID, pk("N", 'Q', '.'));
        assertReason(Reason.INVALID_PERSISTENT_ID, pk("P1\n."));
    }

    @Test
    void cycles() {
        assertReason(Reason.CYCLIC_VALUE, pk("}p0\nS'me'\ng0\ns."));
        assertReason(Reason.CYCLIC_VALUE, pk("]p0\n(g0\ntp1\na."));
    }

    @Test
    void inertGlobalsAreKeptAsData() throws Exception {
        LoadOptions o = LoadOptions.builder().addInertGlobals("argparse.Namespace").build();
        PyValue v = decode(pk("cargparse\nNamespace\n)R(dS'lr'\nF0.5\nsb."), o);
        PyValue.Opaque op = (PyValue.Opaque) v;
        assertEquals("argparse.Namespace", op.global());
        assertEquals(List.of(), op.args());
        assertEquals(new PyValue.Float(0.5), ((PyValue.Dict) op.state()).get("lr"));
        assertEquals(new PyValue.Opaque("argparse.Namespace", List.of(), null), decode(pk("cargparse\nNamespace\n."), o));
        assertReason(Reason.FORBIDDEN_GLOBAL, pk("cargparse\nNamespace\n)R."));
    }

    @Test
    void hugeOrManyKeys() {
        StringBuilder key = new StringBuilder("(");
        for (int i = 0; i < PickleMachine.MAX_KEY_NODES; i++) {
            key.append("N");
        }
        assertReason(Reason.PICKLE_LIMIT, pk("}", key.toString(), "tNs."));
        // Keys with one Java hash code ("Aa" and "BB" collide): fine while decoding, refused when converting.
        StringBuilder p = new StringBuilder("(d");
        for (int i = 0; i < 64; i++) {
            StringBuilder s = new StringBuilder();
            for (int b = 0; b < 6; b++) {
                s.append((i >> b & 1) == 0 ? "Aa" : "BB");
            }
            p.append("S'").append(s).append("'\nN").append('s');
        }
        assertReason(Reason.PICKLE_LIMIT, pk(p.toString(), "."));
    }

    @Test
    void sharedValuesAppearUnderBothParents() throws Exception {
        PyValue.PyList l = (PyValue.PyList) decode(pk("(lp0\n(lp1\nI5\naag1\na."));
        assertEquals(2, l.items().size());
        assertEquals(l.items().get(0), l.items().get(1));
    }
}
