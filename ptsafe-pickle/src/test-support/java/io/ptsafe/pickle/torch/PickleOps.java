package io.ptsafe.pickle.torch;

import java.util.ArrayList;
import java.util.List;

/**
 * Where each opcode of a pickle starts and how its argument is laid out, from the opcode byte alone
 * (CPython's pickletools table), for mutating well-formed pickles op by op. Test code: it reads only
 * the committed fixtures, and throws on anything it does not know.
 */
final class PickleOps {
    private PickleOps() {
    }

    /**
     * One opcode.
     *
     * @param at       offset of the opcode byte
     * @param code     the opcode byte
     * @param end      offset just after its argument
     * @param numberAt offset of its fixed-width number or length prefix, or -1
     * @param width    width of that number in bytes (little-endian), or 0
     */
    record Op(int at, int code, int end, int numberAt, int width) {
    }

    /** The opcodes of the pickle starting at {@code start}, up to and including STOP. */
    static List<Op> walk(byte[] b, int start) {
        List<Op> ops = new ArrayList<>();
        int i = start;
        while (true) {
            int code = b[i] & 0xff;
            int fixed = fixedWidth(code);
            int prefix = prefixWidth(code);
            int end;
            int numberAt = -1;
            int width = 0;
            if (fixed > 0) {
                numberAt = i + 1;
                width = fixed;
                end = i + 1 + fixed;
            } else if (prefix > 0) {
                numberAt = i + 1;
                width = prefix;
                long n = 0;
                for (int k = prefix - 1; k >= 0; k--) {
                    n = (n << 8) | (b[i + 1 + k] & 0xff);
                }
                end = Math.toIntExact(i + 1 + prefix + n);
            } else if (code == 'c' || code == 'i') {
                end = lineEnd(b, lineEnd(b, i + 1));
            } else if ("ILSVFgpP".indexOf(code) >= 0) {
                end = lineEnd(b, i + 1);
            } else if (io.ptsafe.pickle.machine.Opcode.of(code).isPresent()) {
                end = i + 1;
            } else {
                throw new IllegalArgumentException(String.format("no opcode 0x%02x at %d", code, i));
            }
            ops.add(new Op(i, code, end, numberAt, width));
            if (code == '.') {
                return ops;
            }
            i = end;
        }
    }

    private static int lineEnd(byte[] b, int from) {
        int i = from;
        while (b[i] != '\n') {
            i++;
        }
        return i + 1;
    }

    /** Width of a fixed-size argument (integers, memo indices, floats, PROTO, FRAME), or 0. */
    static int fixedWidth(int code) {
        return switch (code) {
            case 'K', 'h', 'q', 0x82, 0x80 -> 1;
            case 'M', 0x83 -> 2;
            case 'J', 'j', 'r', 0x84 -> 4;
            case 'G', 0x95 -> 8;
            default -> 0;
        };
    }

    /** Width of the length prefix of a length-prefixed argument (strings, bytes, longs), or 0. */
    static int prefixWidth(int code) {
        return switch (code) {
            case 0x8a, 'U', 'C', 0x8c -> 1;
            case 0x8b, 'T', 'B', 'X' -> 4;
            case 0x8e, 0x96, 0x8d -> 8;
            default -> 0;
        };
    }
}
