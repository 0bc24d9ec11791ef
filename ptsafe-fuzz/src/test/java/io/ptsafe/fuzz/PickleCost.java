package io.ptsafe.fuzz;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.machine.TreeConverter;
import io.ptsafe.pickle.torch.TorchPickle;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Measures what the cheapest pickles cost ptsafe at the default limits: heap kept by the decoded
 * tree and time, for N memo entries, list items, small ints or dict entries. Not a test (no timing
 * assertions): a tool whose numbers are in ptsafe-fuzz/README.md. Run after a build, e.g.
 * <pre>
 * java -Xmx6g -cp ptsafe-api/target/classes:ptsafe-pickle/target/classes:ptsafe-fuzz/target/test-classes:COMMONS_COMPRESS_JAR \
 *     io.ptsafe.fuzz.PickleCost dict 1000000
 * </pre>
 */
final class PickleCost {
    private PickleCost() {
    }

    public static void main(String[] args) throws PtsafeException {
        String kind = args[0];
        int n = Integer.parseInt(args[1]);
        byte[] pickle = pickle(kind, n);
        System.gc();
        long before = used();
        long start = System.nanoTime();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(pickle.length);
            MemorySegment.copy(pickle, 0, s, ValueLayout.JAVA_BYTE, 0, pickle.length);
            PickleInput in = PickleInput.of(s);
            LoadOptions o = LoadOptions.defaults();
            TorchPickle.Decoded d = TorchPickle.decode(in, o, false, false, TorchPickle.Mode.LOAD, PickleListener.NONE);
            TreeConverter.Converted c = TreeConverter.convert(d.result().root(), (leaf, path) -> PyValue.None.NONE, o, in);
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.gc();
            System.out.printf("%s x %d: pickle %d bytes, decoded tree keeps %d MB of heap, %d ms (%s)%n", kind, n,
                    pickle.length, (used() - before) >> 20, ms, c.root().getClass().getSimpleName());
        }
    }

    /** Protocol 4; batches stay under the default stack limit. */
    static byte[] pickle(String kind, int n) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80);
        b.write(4);
        switch (kind) {
            case "memo" -> { // one list, memoized n times (MEMOIZE)
                b.write(']');
                for (int i = 0; i < n; i++) {
                    b.write(0x94);
                }
            }
            case "list", "ints" -> { // a list of n None / n distinct ints, APPENDS in batches
                b.write(']');
                for (int i = 0; i < n; i++) {
                    if (i % 500_000 == 0) {
                        b.write(i == 0 ? '(' : 'e');
                        if (i > 0) {
                            b.write('(');
                        }
                    }
                    if (kind.equals("list")) {
                        b.write('N');
                    } else {
                        int4(b, i);
                    }
                }
                b.write('e');
            }
            case "dict" -> { // a dict of n int keys to None, SETITEMS in batches
                b.write('}');
                for (int i = 0; i < n; i++) {
                    if (i % 400_000 == 0) {
                        b.write(i == 0 ? '(' : 'u');
                        if (i > 0) {
                            b.write('(');
                        }
                    }
                    int4(b, i);
                    b.write('N');
                }
                b.write('u');
            }
            default -> throw new IllegalArgumentException("memo, list, ints or dict");
        }
        b.write('.');
        return b.toByteArray();
    }

    private static void int4(ByteArrayOutputStream b, int v) {
        b.write('J');
        b.write(v);
        b.write(v >> 8);
        b.write(v >> 16);
        b.write(v >> 24);
    }

    private static long used() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
