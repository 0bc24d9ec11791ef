package io.ptsafe.pickle.legacy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.pickle.machine.PickleListener;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The legacy header as torch writes it ({@link KnownHeader}) and the storage key list's lane
 * ({@link StorageKeys#lane}) change nothing but speed: a stream read with them (nothing listening)
 * and through the machine alone (a listener, as a scan has) gives the same storages, sys_info and
 * budget.
 */
class KnownHeaderTest {
    private static final Path REAL = Path.of("src/test/resources/torch/real");
    /** Listens to nothing, but is not {@link PickleListener#NONE}: the machine runs every pickle. */
    private static final PickleListener WATCHING = new PickleListener() {
    };

    @Test
    void torchsHeadersAreTheTwoForms() throws IOException {
        byte[][] forms = KnownHeader.forms();
        byte[] little = Files.readAllBytes(REAL.resolve("linear.legacy.pt"));
        byte[] big = Files.readAllBytes(REAL.resolve("dtypes.big_endian_host.legacy.pt"));
        assertArrayEquals(forms[0], Arrays.copyOf(little, KnownHeader.length()));
        assertArrayEquals(forms[1], Arrays.copyOf(big, KnownHeader.length()));
        LoadOptions d = LoadOptions.defaults();
        assertEquals(new SysInfo(true), KnownHeader.match(MemorySegment.ofArray(little), d, d.maxDecodedBytes()));
        assertEquals(new SysInfo(false), KnownHeader.match(MemorySegment.ofArray(big), d, d.maxDecodedBytes()));
        assertTrue(KnownHeader.charge() > 0, "measured: " + KnownHeader.charge());
    }

    @Test
    void aStreamReadsTheSameWithAndWithoutTheLanes() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(REAL)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".legacy.pt")).sorted().toList();
        }
        int both = 0;
        for (Path p : files) {
            byte[] b = Files.readAllBytes(p);
            for (LoadOptions o : List.of(LoadOptions.defaults(), LoadOptions.builder().maxDecodedBytes(1 << 20).build())) {
                MemorySegment file = MemorySegment.ofArray(b);
                LegacyStream fast;
                LegacyStream machine;
                try {
                    machine = LegacyStream.read(p, file, o, WATCHING);
                } catch (PtsafeException e) {
                    PtsafeException f = org.junit.jupiter.api.Assertions.assertThrows(PtsafeException.class,
                            () -> LegacyStream.read(p, file, o, PickleListener.NONE));
                    assertEquals(e.getMessage(), f.getMessage(), p.toString());
                    continue;
                }
                fast = LegacyStream.read(p, file, o, PickleListener.NONE);
                assertEquals(machine.writtenLittleEndian(), fast.writtenLittleEndian(), p.toString());
                if (fast.object() == null) {
                    // The object pickle went to StateDictLane: the same storages, in the same order and bytes.
                    List<io.ptsafe.pickle.torch.StorageRef> named = fast.lane().storages();
                    assertEquals(List.copyOf(machine.object().storages().keySet()),
                            named.stream().map(io.ptsafe.pickle.torch.StorageRef::key).toList(), p.toString());
                    for (int i = 0; i < named.size(); i++) {
                        MemorySegment a = machine.storages().resolve(machine.object().storages().get(named.get(i).key()));
                        MemorySegment c = fast.storages().resolve(named.get(i), i);
                        assertEquals(a.address(), c.address(), p + " " + named.get(i).key());
                        assertEquals(a.byteSize(), c.byteSize(), p + " " + named.get(i).key());
                    }
                    both++;
                    continue;
                }
                assertEquals(machine.object().result().budget().used(), fast.object().result().budget().used(),
                        p + ": the budget left charged");
                assertEquals(machine.object().storages().keySet(), fast.object().storages().keySet(), p.toString());
                for (var ref : machine.object().storages().values()) {
                    MemorySegment a = machine.storages().resolve(ref);
                    MemorySegment c = fast.storages().resolve(fast.object().storages().get(ref.key()));
                    assertEquals(a.address(), c.address(), p + " " + ref.key());
                    assertEquals(a.byteSize(), c.byteSize(), p + " " + ref.key());
                }
                both++;
            }
        }
        assertTrue(both >= 30, "streams read both ways: " + both);
    }

    @Test
    void anyLimitTheHeaderCouldMeetSendsItToTheMachine() throws IOException {
        MemorySegment f = MemorySegment.ofArray(Files.readAllBytes(REAL.resolve("linear.legacy.pt")));
        LoadOptions d = LoadOptions.defaults();
        assertNotNull(KnownHeader.match(f, d, d.maxDecodedBytes()));
        for (LoadOptions o : List.of(LoadOptions.builder().maxPickleOpcodes(63).build(),
                LoadOptions.builder().maxPickleBytes(255).build(),
                LoadOptions.builder().maxMemoEntries(15).build(),
                LoadOptions.builder().maxStackSize(31).build(),
                LoadOptions.builder().maxNestingDepth(7).build(),
                LoadOptions.builder().maxContainerItems(7).build(),
                LoadOptions.builder().maxPickleStringBytes(31).build(),
                LoadOptions.builder().maxIntBytes(15).build())) {
            assertNull(KnownHeader.match(f, o, o.maxDecodedBytes()), o.toString());
        }
        assertNull(KnownHeader.match(f, d, 2 * KnownHeader.charge()), "a budget without room for twice the peak");
        assertNull(KnownHeader.match(f.asSlice(0, KnownHeader.length() - 1), d, d.maxDecodedBytes()));
        byte[] other = f.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        other[KnownHeader.length() - 1] = 'e';
        assertNull(KnownHeader.match(MemorySegment.ofArray(other), d, d.maxDecodedBytes()));
    }
}
