package io.ptsafe.fuzz;

import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.pickle.machine.DecodeBudget;
import io.ptsafe.pickle.machine.Opcode;
import io.ptsafe.pickle.machine.PickleInput;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.machine.PickleMachine;
import io.ptsafe.pickle.machine.PickleResult;
import io.ptsafe.pickle.machine.TreeConverter;
import io.ptsafe.pickle.torch.StorageIds;
import io.ptsafe.pickle.torch.TorchGlobals;
import io.ptsafe.pickle.torch.TorchHeapCost;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;

/**
 * Measures what the cheapest pickles cost ptsafe: the heap the decoded values really keep, next to
 * what {@link LoadOptions#maxDecodedBytes()} charges for them, and what happens at the defaults. Not
 * a test (no timing assertions): a tool whose numbers are in ptsafe-fuzz/README.md. Run after a
 * build, e.g.
 * <pre>
 * CP=ptsafe-api/target/classes:ptsafe-pickle/target/classes:ptsafe-fuzz/target/test-classes
 * java -Xmx6g -cp $CP io.ptsafe.fuzz.PickleCost dict 1000000 measure     # heap vs estimate, no budget
 * java -Xmx256m -cp $CP io.ptsafe.fuzz.PickleCost dict 1000000 defaults  # what the defaults do
 * </pre>
 * Kinds: {@code memo} (one list memoized n times), {@code list} (a list of n None), {@code ints}
 * (a list of n distinct ints), {@code dict} (a dict of n int keys to None), {@code dicts} (a list of
 * 8 such dicts); {@code file PATH} decodes a pickle from a file (a checkpoint's data.pkl: tensors
 * are left out, storages are not read).
 */
final class PickleCost {
    private PickleCost() {
    }

    public static void main(String[] args) throws IOException {
        String kind = args[0];
        boolean measure = args.length < 3 || args[2].equals("measure");
        byte[] pickle;
        if (kind.equals("file")) {
            pickle = Files.readAllBytes(Path.of(args[1]));
            System.out.printf("%s: pickle %d bytes, %d bytes deflated%n", args[1], pickle.length, deflated(pickle));
        } else {
            int n = Integer.parseInt(args[1]);
            pickle = pickle(kind, n);
            System.out.printf("%s x %d: pickle %d bytes, %d bytes deflated%n", kind, n, pickle.length, deflated(pickle));
        }
        PickleInput in = PickleInput.of(MemorySegment.ofArray(pickle));
        if (!measure) {
            long start = System.nanoTime();
            try {
                decode(in, LoadOptions.defaults(), PickleListener.NONE, null);
                System.out.println("  defaults: loaded");
            } catch (LimitExceededException e) {
                System.out.printf("  defaults: refused after %d ms: %s%n", (System.nanoTime() - start) / 1_000_000,
                        e.getMessage());
            }
            return;
        }
        LoadOptions unlimited = LoadOptions.builder().maxDecodedBytes(Long.MAX_VALUE).build();
        // Once first, so that the classes and tables it loads (not decoded values) are not counted.
        decode(in, unlimited, PickleListener.NONE, new DecodeBudget(unlimited));
        long before = used();
        long[] atStop = new long[2];
        DecodeBudget budget = new DecodeBudget(unlimited);
        PickleListener listener = new PickleListener() {
            @Override
            public void opcode(Opcode op, long offset) {
                if (op == Opcode.STOP) {
                    atStop[0] = used() - before;
                    atStop[1] = budget.used();
                }
            }
        };
        long start = System.nanoTime();
        Object[] kept = decode(in, unlimited, listener, budget);
        long ms = (System.nanoTime() - start) / 1_000_000;
        long after = used() - before;
        System.out.printf("  heap at STOP %d MB, estimate %d MB; converted: heap kept %d MB, estimate %d MB, "
                + "estimate at most %d MB; %d ms (%s)%n", atStop[0] >> 20, atStop[1] >> 20, Math.max(0, after) >> 20,
                budget.used() >> 20, budget.peak() >> 20, ms, kept[1].getClass().getSimpleName());
    }

    /**
     * Decodes and converts as loading a zip checkpoint does (torch's table, storages, estimates);
     * returns what stays reachable: the machine's result and the tree.
     */
    private static Object[] decode(PickleInput in, LoadOptions o, PickleListener listener, DecodeBudget budget)
            throws PtsafeException {
        PickleMachine.Builder b = PickleMachine.on(in, o).globals(TorchGlobals.table(o))
                .persistentIds(new StorageIds(false)).heapCost(TorchHeapCost.of(false))
                .argumentsDieWith(TorchHeapCost.keepsNoArguments()).listener(listener);
        PickleResult r = (budget == null ? b : b.budget(budget)).run();
        TreeConverter.Converted c = TreeConverter.convert(r, (leaf, path) -> PyValue.None.NONE, o, in);
        return new Object[] {r, c.root()};
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
                appends(b, n, kind.equals("list"));
            }
            case "dict" -> dict(b, n);
            case "dicts" -> { // 8 dicts of n int keys in a list
                b.write(']');
                b.write('(');
                for (int k = 0; k < 8; k++) {
                    dict(b, n);
                }
                b.write('e');
            }
            default -> throw new IllegalArgumentException("memo, list, ints, dict or dicts");
        }
        b.write('.');
        return b.toByteArray();
    }

    private static void appends(ByteArrayOutputStream b, int n, boolean none) {
        for (int i = 0; i < n; i++) {
            if (i % 500_000 == 0) {
                b.write(i == 0 ? '(' : 'e');
                if (i > 0) {
                    b.write('(');
                }
            }
            if (none) {
                b.write('N');
            } else {
                int4(b, i);
            }
        }
        b.write('e');
    }

    /** A dict of n int keys to None, SETITEMS in batches. */
    private static void dict(ByteArrayOutputStream b, int n) {
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

    private static void int4(ByteArrayOutputStream b, int v) {
        b.write('J');
        b.write(v);
        b.write(v >> 8);
        b.write(v >> 16);
        b.write(v >> 24);
    }

    private static int deflated(byte[] data) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
        d.setInput(data);
        d.finish();
        byte[] buf = new byte[1 << 16];
        int total = 0;
        while (!d.finished()) {
            total += d.deflate(buf);
        }
        d.end();
        return total;
    }

    private static long used() {
        System.gc();
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
