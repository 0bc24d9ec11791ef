package io.ptsafe.pickle.legacy;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.pickle.machine.PickleListener;
import io.ptsafe.pickle.machine.TreeConverter;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The first three pickles of a legacy stream (magic number, protocol version, sys_info) exactly as
 * torch writes them with its default pickle protocol, 2: 137 bytes, the same in every file but for
 * sys_info's {@code little_endian} (NEWTRUE or NEWFALSE). When a stream starts with one of these two
 * byte strings, what the machine, the checks of {@code LegacyStream} and {@link SysInfo#check} make
 * of them is known: the magic number, version 1001, and a sys_info that passes. Any other byte
 * (another protocol, another key order, a payload) goes through the machine, which gives every
 * refusal.
 *
 * <p>What the machine and the converter charge the file's budget for these pickles is not given back,
 * so the same amount is charged here. It is measured once, by running the real path on the bytes
 * ({@link #CHARGE}); it depends on the bytes only (no limit changes a charge, only whether one is
 * refused). The bytes are taken only when no limit could refuse them: each limit the three pickles
 * meet must be well above what they need, and the budget must have room for twice their peak; else
 * the machine runs them and refuses as it does.
 */
final class KnownHeader {
    /** Offset of sys_info's little_endian value (NEWTRUE) in {@link #LITTLE}. */
    private static final int ENDIAN_AT;
    private static final byte[] LITTLE;
    private static final byte[] BIG;
    private static final byte NEWTRUE = (byte) 0x88;
    private static final byte NEWFALSE = (byte) 0x89;

    static {
        byte[] magic = {(byte) 0x80, 2, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
                (byte) 0xa8, 0x50, 0x19, '.'};
        byte[] version = {(byte) 0x80, 2, 'M', (byte) 0xe9, 0x03, '.'};
        String sys = "\u0080\u0002}q\u0000(X\u0010\u0000\u0000\u0000protocol_versionq\u0001M\u00e9\u0003"
                + "X\r\u0000\u0000\u0000little_endianq\u0002\u0088"
                + "X\n\u0000\u0000\u0000type_sizesq\u0003}q\u0004("
                + "X\u0005\u0000\u0000\u0000shortq\u0005K\u0002X\u0003\u0000\u0000\u0000intq\u0006K\u0004"
                + "X\u0004\u0000\u0000\u0000longq\u0007K\u0004uu.";
        byte[] s = sys.getBytes(StandardCharsets.ISO_8859_1);
        LITTLE = new byte[magic.length + version.length + s.length];
        System.arraycopy(magic, 0, LITTLE, 0, magic.length);
        System.arraycopy(version, 0, LITTLE, magic.length, version.length);
        System.arraycopy(s, 0, LITTLE, magic.length + version.length, s.length);
        ENDIAN_AT = magic.length + version.length + sys.indexOf('\u0088');
        BIG = LITTLE.clone();
        BIG[ENDIAN_AT] = NEWFALSE;
    }

    /** {@code {used, peak}} of a fresh budget after the real path ran on {@link #LITTLE}; null if it failed. */
    private static final long[] CHARGE = measure();

    private KnownHeader() {
    }

    /** Bytes of the three pickles. */
    static int length() {
        return LITTLE.length;
    }

    /** The two byte strings (little-endian host first), for tests. */
    static byte[][] forms() {
        return new byte[][] {LITTLE.clone(), BIG.clone()};
    }

    /** {@link #CHARGE}'s amount left charged after the three pickles, for tests. */
    static long charge() {
        return CHARGE == null ? -1 : CHARGE[0];
    }

    /**
     * The sys_info of the stream's first three pickles when they are one of the two forms and no limit
     * of {@code options} could refuse them, else null.
     *
     * @param room what the budget has left
     */
    static SysInfo match(MemorySegment file, LoadOptions options, long room) {
        if (CHARGE == null || file.byteSize() < LITTLE.length || !limitsAllow(options)
                || room < 2 * CHARGE[1] + 4096) {
            return null;
        }
        byte[] head = new byte[LITTLE.length];
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, 0, head, 0, head.length);
        if (Arrays.equals(head, LITTLE)) {
            return new SysInfo(true);
        }
        return Arrays.equals(head, BIG) ? new SysInfo(false) : null;
    }

    /** What the three pickles charge the budget (and leave charged). */
    static long charged() {
        return CHARGE[0];
    }

    /**
     * Whether every limit the three pickles meet is well above what they need: 137 bytes, at most 30
     * opcodes a pickle, 8 memo entries, a stack of 10, dicts 2 deep of 3 items, 16-byte strings, a
     * 10-byte int.
     */
    private static boolean limitsAllow(LoadOptions o) {
        return o.maxPickleBytes() >= 256 && o.maxPickleOpcodes() >= 64 && o.maxMemoEntries() >= 16
                && o.maxStackSize() >= 32 && o.maxNestingDepth() >= 8 && o.maxContainerItems() >= 8
                && o.maxPickleStringBytes() >= 32 && o.maxStringLength() >= 32 && o.maxIntBytes() >= 16;
    }

    /** Runs the machine's path (as LegacyStream does) on {@link #LITTLE} with a fresh budget. */
    private static long[] measure() {
        try {
            LoadOptions options = LoadOptions.defaults();
            Path path = Path.of("known-header");
            PickleCursor cursor = new PickleCursor(path, MemorySegment.ofArray(LITTLE), options, PickleListener.NONE);
            cursor.next("the magic number", null);
            cursor.next("the protocol version", null);
            PickleCursor.Run sys = cursor.next("sys_info", null);
            TreeConverter.convert(sys.result(), (leaf, where) -> {
                throw new IllegalStateException("no leaf in sys_info");
            }, options, sys.input());
            if (cursor.position() != LITTLE.length) {
                return null;
            }
            return new long[] {cursor.budget().used(), cursor.budget().peak()};
        } catch (PtsafeException | RuntimeException e) {
            return null;
        }
    }
}
