package io.ptsafe.pickle;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.TensorFile;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.FormatProvider;

/**
 * Format provider "bare-pickle": recognises files that start like a binary pickle (PROTO 2 to 5)
 * but are neither a zip nor a legacy torch stream (whose first pickle is torch's magic number), and
 * refuses them with {@link Reason#NOT_A_CHECKPOINT}: {@code torch.save} never writes a bare pickle,
 * and ptsafe does not load arbitrary pickled objects (a scanner may still scan them). Its low
 * priority lets the legacy provider claim the torch magic first.
 */
public final class BarePickleProvider implements FormatProvider {
    /** The legacy magic number 0x1950a86a20f9469cfc6c as LONG1's little-endian bytes. */
    private static final byte[] MAGIC = {0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a,
            (byte) 0xa8, 0x50, 0x19};

    @Override
    public String name() {
        return "bare-pickle";
    }

    @Override
    public int priority() {
        return -10;
    }

    @Override
    public boolean recognizes(FileProbe probe) {
        byte[] h = probe.head();
        return !probe.isDirectory() && h.length >= 2 && (h[0] & 0xff) == 0x80 && h[1] >= 2 && h[1] <= 5
                && !isLegacyTorch(h);
    }

    /** PROTO n, an optional FRAME, then LONG1 holding torch's magic number. */
    static boolean isLegacyTorch(byte[] h) {
        int p = 2;
        if (h.length > p && (h[p] & 0xff) == 0x95) {
            p += 9;
        }
        if (h.length < p + 1 + MAGIC.length || (h[p] & 0xff) != 0x8a) {
            return false;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (h[p + 1 + i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public TensorFile open(FileProbe probe, LoadOptions options) throws PtsafeException {
        throw new PtsafeException(Reason.NOT_A_CHECKPOINT, probe.path(), "a bare pickle (protocol " + probe.head()[1]
                + "), not a torch checkpoint: torch.save writes a zip archive, or before torch 1.6 a stream "
                + "starting with its magic number; ptsafe does not load arbitrary pickled objects");
    }
}
