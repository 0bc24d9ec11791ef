package io.ptsafe.pickle.zip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.Fixtures;
import io.ptsafe.pickle.TorchZips;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The central directory as ptsafe reads it itself: ZIP64 extra fields for sizes and offsets, and
 * records that announce ZIP64 values without carrying them. Archives are a real checkpoint rewritten
 * with java.util.zip, then their central directory records edited byte by byte.
 */
class CentralEntryTest {
    @TempDir
    Path dir;

    /** A central directory record split into its fixed part, name, extra field and comment. */
    record Rec(ByteBuffer fixed, byte[] name, byte[] extra, byte[] comment) {
    }

    @Test
    void sizesAndOffsetsFromZip64ExtraFields() throws Exception {
        Path p = rewrite(r -> {
            long usize = u32(r.fixed, 24);
            long csize = u32(r.fixed, 20);
            long lho = u32(r.fixed, 42);
            r.fixed.putInt(24, -1).putInt(20, -1).putInt(42, -1);
            ByteBuffer x = le(4 + 24).putShort((short) 1).putShort((short) 24).putLong(usize).putLong(csize).putLong(lho);
            return new Rec(r.fixed, r.name, concat(r.extra, x.array()), r.comment);
        });
        try (TensorFile f = TorchZipReader.open(p, LoadOptions.defaults())) {
            Fixtures.assertMatches(f, Fixtures.REAL.resolve("linear.expected.json"));
        }
    }

    @Test
    void onlyTheFieldsAt0xFFFFFFFFAreInTheExtraField() throws Exception {
        Path p = rewrite(r -> {
            long lho = u32(r.fixed, 42);
            r.fixed.putInt(42, -1);
            ByteBuffer x = le(4 + 8).putShort((short) 1).putShort((short) 8).putLong(lho);
            // an unrelated extra field first: the ZIP64 one is found by its id
            ByteBuffer other = le(4 + 3).putShort((short) 0x7075).putShort((short) 3).put(new byte[3]);
            return new Rec(r.fixed, r.name, concat(other.array(), x.array()), r.comment);
        });
        try (TensorFile f = TorchZipReader.open(p, LoadOptions.defaults())) {
            Fixtures.assertMatches(f, Fixtures.REAL.resolve("linear.expected.json"));
        }
    }

    @Test
    void zip64ValueWithoutExtraFieldIsRefused() throws Exception {
        Path p = rewrite(r -> {
            r.fixed.putInt(20, -1);
            return r;
        });
        assertRefused(p, "no ZIP64 extra field");
    }

    @Test
    void zip64ExtraFieldTooShortIsRefused() throws Exception {
        Path p = rewrite(r -> {
            r.fixed.putInt(24, -1).putInt(20, -1);
            ByteBuffer x = le(4 + 8).putShort((short) 1).putShort((short) 8).putLong(u32(r.fixed, 42));
            return new Rec(r.fixed, r.name, concat(r.extra, x.array()), r.comment);
        });
        assertRefused(p, "too short");
    }

    @Test
    void zip64ValueAbove2To63IsRefused() throws Exception {
        Path p = rewrite(r -> {
            r.fixed.putInt(42, -1);
            ByteBuffer x = le(4 + 8).putShort((short) 1).putShort((short) 8).putLong(Long.MIN_VALUE);
            return new Rec(r.fixed, r.name, concat(r.extra, x.array()), r.comment);
        });
        assertRefused(p, "out of range");
    }

    private static void assertRefused(Path p, String message) {
        PtsafeException e = org.junit.jupiter.api.Assertions.assertThrows(PtsafeException.class,
                () -> TorchZipReader.open(p, LoadOptions.defaults()).close());
        assertEquals(Reason.INVALID_ZIP, e.reason());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    /** linear.pt rewritten STORED, then every central directory record passed through {@code edit}. */
    private Path rewrite(UnaryOperator<Rec> edit) throws Exception {
        Path plain = TorchZips.write(dir.resolve("plain.pt"), ZipRulesTest.linear(), false);
        byte[] zip = Files.readAllBytes(plain);
        ByteBuffer b = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
        int eocd = zip.length - 22;
        while (b.getInt(eocd) != 0x06054b50) {
            eocd--;
        }
        int cdOffset = b.getInt(eocd + 16);
        int cdSize = b.getInt(eocd + 12);
        ByteArrayOutputStream cd = new ByteArrayOutputStream();
        for (int p = cdOffset; p < cdOffset + cdSize; ) {
            int n = b.getShort(p + 28) & 0xffff;
            int m = b.getShort(p + 30) & 0xffff;
            int k = b.getShort(p + 32) & 0xffff;
            ByteBuffer fixed = le(46).put(zip, p, 46);
            Rec r = edit.apply(new Rec(fixed, slice(zip, p + 46, n), slice(zip, p + 46 + n, m),
                    slice(zip, p + 46 + n + m, k)));
            r.fixed.putShort(30, (short) r.extra.length);
            cd.write(r.fixed.array());
            cd.write(r.name);
            cd.write(r.extra);
            cd.write(r.comment);
            p += 46 + n + m + k;
        }
        ByteBuffer end = le(22).put(zip, eocd, 22).putInt(12, cd.size());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(zip, 0, cdOffset);
        out.write(cd.toByteArray());
        out.write(end.array());
        return Files.write(dir.resolve("edited.pt"), out.toByteArray());
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long u32(ByteBuffer b, int at) {
        return b.getInt(at) & 0xffffffffL;
    }

    private static byte[] slice(byte[] a, int from, int n) {
        byte[] out = new byte[n];
        System.arraycopy(a, from, out, 0, n);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
