package io.ptsafe.pickle;

import java.io.ByteArrayOutputStream;

/**
 * Hand-made pickles of many small values (protocol 4): each container and the memo within their own
 * limits, their sum far over {@link io.ptsafe.LoadOptions#maxDecodedBytes()}.
 */
public final class HostilePickles {
    private HostilePickles() {
    }

    /** Protocol 4 framing around {@code body}. */
    private static ByteArrayOutputStream pickle() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80);
        b.write(4);
        return b;
    }

    private static void int4(ByteArrayOutputStream b, int v) {
        b.write('J');
        b.write(v);
        b.write(v >> 8);
        b.write(v >> 16);
        b.write(v >> 24);
    }

    /** A list of {@code dicts} dicts, each of {@code keys} int keys to None: SETITEMS in batches under the stack limit. */
    public static byte[] dictsOfIntKeys(int dicts, int keys) {
        ByteArrayOutputStream b = pickle();
        b.write(']');
        b.write('(');
        for (int d = 0; d < dicts; d++) {
            b.write('}');
            for (int i = 0; i < keys; i++) {
                if (i % 100_000 == 0) {
                    if (i > 0) {
                        b.write('u');
                    }
                    b.write('(');
                }
                int4(b, d * keys + i);
                b.write('N');
            }
            b.write('u');
        }
        b.write('e');
        b.write('.');
        return b.toByteArray();
    }

    /** A list of {@code lists} lists of {@code items} None each. */
    public static byte[] listsOfNone(int lists, int items) {
        ByteArrayOutputStream b = pickle();
        b.write(']');
        b.write('(');
        for (int l = 0; l < lists; l++) {
            b.write(']');
            for (int i = 0; i < items; i++) {
                if (i % 100_000 == 0) {
                    if (i > 0) {
                        b.write('e');
                    }
                    b.write('(');
                }
                b.write('N');
            }
            b.write('e');
        }
        b.write('e');
        b.write('.');
        return b.toByteArray();
    }

    /** {@code n} one-entry dicts, each memoized and popped: only the memo keeps them. */
    public static byte[] memoOfDicts(int n) {
        ByteArrayOutputStream b = pickle();
        for (int i = 0; i < n; i++) {
            b.writeBytes(new byte[] {'}', 'N', 'N', 's', (byte) 0x94, '0'});
        }
        b.write('N');
        b.write('.');
        return b.toByteArray();
    }

    /** A list of {@code n} ints from 256 up (not shared), or of {@code n} distinct strings of 8 characters. */
    public static byte[] listOf(int n, boolean strings) {
        ByteArrayOutputStream b = pickle();
        b.write(']');
        b.write('(');
        for (int i = 0; i < n; i++) {
            if (strings) {
                b.write(0x8c);
                b.write(8);
                b.writeBytes(String.format("k%07d", i).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            } else {
                int4(b, 256 + i);
            }
        }
        b.write('e');
        b.write('.');
        return b.toByteArray();
    }
}
