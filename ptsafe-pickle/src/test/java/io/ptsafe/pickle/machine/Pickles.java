package io.ptsafe.pickle.machine;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/** Hand-made pickles for tests, and a one-call decoder. */
final class Pickles {
    private Pickles() {
    }

    /** Concatenates opcodes: an Integer is one byte, a String its Latin-1 bytes, a byte[] itself. */
    static byte[] pk(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object p : parts) {
            switch (p) {
                case Integer i -> out.write(i);
                case Character c -> out.write(c);
                case String s -> out.writeBytes(s.getBytes(StandardCharsets.ISO_8859_1));
                case byte[] b -> out.writeBytes(b);
                default -> throw new IllegalArgumentException(String.valueOf(p));
            }
        }
        return out.toByteArray();
    }

    static byte[] le4(long v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }

    static byte[] le8(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (v >> (8 * i));
        }
        return b;
    }

    static PickleInput input(byte[] pickle) {
        return new PickleInput(MemorySegment.ofArray(pickle), null, "test.pkl", -1);
    }

    static PickleMachine.Builder machine(byte[] pickle, LoadOptions options) {
        return PickleMachine.on(input(pickle), options).globals(PythonGlobals.table());
    }

    /** Runs and converts with the Python globals table. */
    static PyValue decode(byte[] pickle) throws PtsafeException {
        return decode(pickle, LoadOptions.defaults());
    }

    static PyValue decode(byte[] pickle, LoadOptions options) throws PtsafeException {
        PickleResult r = machine(pickle, options).run();
        return TreeConverter.convert(r, (leaf, path) -> {
            throw new AssertionError(leaf);
        }, options, input(pickle)).root();
    }
}
