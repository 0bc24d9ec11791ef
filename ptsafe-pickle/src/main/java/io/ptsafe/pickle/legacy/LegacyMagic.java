package io.ptsafe.pickle.legacy;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * The first pickle of a legacy torch stream: torch's magic number 0x1950a86a20f9469cfc6c, as
 * {@code pickle.dump} writes it. Protocols 2 to 5 write {@code PROTO n}, for 4 and 5 a {@code FRAME}
 * of 13 bytes, then {@code LONG1} with the number's 10 little-endian bytes, then {@code STOP};
 * protocols 0 and 1 have no header and write the text opcode {@code LONG}:
 * {@code L119547037146038801333356L\n.}.
 */
final class LegacyMagic {
    /** torch.serialization.MAGIC_NUMBER. */
    static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    /** torch.serialization.PROTOCOL_VERSION. */
    static final int PROTOCOL_VERSION = 1001;

    private static final byte[] LONG1_MAGIC = {(byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9,
            0x20, 0x6a, (byte) 0xa8, 0x50, 0x19, 0x2e};
    private static final byte[] TEXT_MAGIC = ("L" + MAGIC + "L\n.").getBytes(StandardCharsets.US_ASCII);
    private static final int PROTO = 0x80;
    private static final int FRAME = 0x95;

    private LegacyMagic() {
    }

    /** Whether {@code head} starts with the magic number's pickle in one of the forms above. */
    static boolean startsWithMagic(byte[] head) {
        if (startsWith(head, 0, TEXT_MAGIC)) {
            return true;
        }
        if (head.length < 2 || (head[0] & 0xff) != PROTO || head[1] < 2 || head[1] > 5) {
            return false;
        }
        if (head[1] < 4) {
            return startsWith(head, 2, LONG1_MAGIC);
        }
        // FRAME's 8-byte little-endian length covers exactly LONG1, its 11 bytes, and STOP.
        byte[] frame = {(byte) FRAME, (byte) LONG1_MAGIC.length, 0, 0, 0, 0, 0, 0, 0};
        return startsWith(head, 2, frame) && startsWith(head, 2 + frame.length, LONG1_MAGIC);
    }

    private static boolean startsWith(byte[] head, int at, byte[] prefix) {
        if (head.length < at + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (head[at + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
