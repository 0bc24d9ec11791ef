package io.ptsafe.pickle.machine;

/**
 * Tells whether leading bytes look like a pickle, by reading opcodes and their arguments without
 * running anything: every byte must be an opcode whose argument is well formed, up to STOP or the
 * end of the bytes given. Protocol 0 and 1 pickles have no PROTO header, so this is how they are
 * recognised at all.
 */
public final class PickleSniffer {
    /** Opcodes a sniffed stream must reach (or STOP) before it counts as a pickle. */
    private static final int MIN_OPCODES = 3;

    private PickleSniffer() {
    }

    /** Whether {@code head} (the first bytes of a file) reads as the start of a pickle. */
    public static boolean looksLikePickle(byte[] head) {
        int p = 0;
        int ops = 0;
        while (p < head.length) {
            Opcode op = Opcode.byCode(head[p] & 0xff);
            if (op == null || ops == 0 && op == Opcode.STOP) {
                return false;
            }
            if (op == Opcode.PROTO && (p + 1 >= head.length || (head[p + 1] & 0xff) > 5)) {
                return p + 1 >= head.length && ops >= MIN_OPCODES;
            }
            p++;
            ops++;
            if (op == Opcode.STOP) {
                return true;
            }
            int skip = argLength(op.arg(), head, p);
            if (skip < 0) {
                // The argument runs past the bytes given: fine once enough opcodes were good.
                return skip == -1 && ops >= MIN_OPCODES;
            }
            p += skip;
        }
        return ops >= MIN_OPCODES;
    }

    /** The argument's length at {@code p}; -1 when it runs past the end, -2 when malformed. */
    private static int argLength(ArgKind kind, byte[] h, int p) {
        int fixed = kind.fixedSize();
        if (fixed >= 0) {
            return p + fixed <= h.length ? fixed : -1;
        }
        return switch (kind) {
            case LONG1, BYTES1, UNICODE1 -> p + 1 <= h.length ? prefixed(h, p, 1, h[p] & 0xff) : -1;
            case LONG4, BYTES4, UNICODE4 -> p + 4 <= h.length ? prefixed(h, p, 4, le(h, p, 4)) : -1;
            case BYTES8, UNICODE8 -> p + 8 <= h.length ? prefixed(h, p, 8, le(h, p, 8)) : -1;
            case STRING_NL_NOESCAPE_PAIR -> {
                int a = line(h, p);
                if (a < 0) {
                    yield a;
                }
                int b = line(h, p + a);
                yield b < 0 ? b : a + b;
            }
            default -> line(h, p);
        };
    }

    private static int prefixed(byte[] h, int p, int width, long n) {
        if (n < 0) {
            return -2;
        }
        return n <= h.length - p - width ? (int) (width + n) : -1;
    }

    private static long le(byte[] h, int p, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) {
            v = v << 8 | (h[p + i] & 0xff);
        }
        return width == 4 ? v & 0xffffffffL : v;
    }

    /** A text argument: printable ASCII (and tab) up to a newline. */
    private static int line(byte[] h, int p) {
        for (int i = p; i < h.length; i++) {
            int c = h[i] & 0xff;
            if (c == '\n') {
                return i - p + 1;
            }
            if (c < 0x20 && c != '\t' || c > 0x7e) {
                return -2;
            }
        }
        return -1;
    }
}
