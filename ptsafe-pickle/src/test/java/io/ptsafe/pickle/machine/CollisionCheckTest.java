package io.ptsafe.pickle.machine;

import static io.ptsafe.pickle.machine.Pickles.le4;
import static io.ptsafe.pickle.machine.Pickles.pk;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The converter's guard against keys sharing a Java hash code ({@link TreeConverter#MAX_COLLISIONS}):
 * more than 32 keys of one dict or set with one code are refused; 32 are not; keys whose distinct
 * codes crowd one bucket of the linear pre-check pass the exact check.
 */
class CollisionCheckTest {
    /** {@code n} distinct strings with one String.hashCode: "Aa" and "BB" hash alike, so do their concatenations. */
    private static List<String> sameHash(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder();
            for (int bit = 0; bit < 6; bit++) {
                sb.append((i >> bit & 1) == 0 ? "Aa" : "BB");
            }
            out.add(sb.toString());
        }
        assertEquals(1, out.stream().map(s -> new PyValue.Str(s).hashCode()).distinct().count());
        return out;
    }

    private static byte[] str(String s) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        return pk('X', le4(u.length), u);
    }

    private static byte[] dictOf(List<byte[]> keys) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(pk(0x80, 2, '}', '('));
        for (byte[] k : keys) {
            b.writeBytes(k);
            b.writeBytes(pk('K', 1));
        }
        b.writeBytes(pk('u', '.'));
        return b.toByteArray();
    }

    private static byte[] setOf(List<byte[]> items) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(pk(0x80, 4, 0x8f, '('));
        items.forEach(b::writeBytes);
        b.writeBytes(pk(0x90, '.'));
        return b.toByteArray();
    }

    @Test
    void thirtyThreeKeysOfOneCodeAreRefused() {
        List<byte[]> keys = sameHash(33).stream().map(CollisionCheckTest::str).toList();
        PtsafeException x = assertThrows(PtsafeException.class, () -> Pickles.decode(dictOf(keys)));
        assertEquals(Reason.PICKLE_LIMIT, x.reason());
        assertTrue(x.getMessage().contains("more than 32 keys of one dict or set share a hash code ("
                + "AaAaAaAaAaAa".hashCode() + "): a hash-flooding pattern"), x.getMessage());
        PtsafeException s = assertThrows(PtsafeException.class, () -> Pickles.decode(setOf(keys)));
        assertTrue(s.getMessage().contains("a hash-flooding pattern"), s.getMessage());
    }

    @Test
    void thirtyTwoKeysOfOneCodeAmongOthersLoad() throws PtsafeException {
        List<byte[]> keys = new ArrayList<>(sameHash(32).stream().map(CollisionCheckTest::str).toList());
        for (int i = 0; i < 100; i++) {
            keys.add(str("key" + i));
        }
        PyValue.Dict d = (PyValue.Dict) Pickles.decode(dictOf(keys));
        assertEquals(132, d.entries().size());
        assertEquals(new PyValue.Int(BigInteger.ONE), d.get("AaAaAaAaAaAa"));
        assertEquals(132, ((PyValue.PySet) Pickles.decode(setOf(keys))).items().size());
    }

    @Test
    void distinctCodesCrowdingOneBucketLoad() throws PtsafeException {
        // 64 int keys 0, 1024, ..., 64512: distinct hash codes (a small int's is itself), all in bucket 0
        // of the pre-check's 64 buckets, so the exact check runs, and finds no code shared.
        List<byte[]> keys = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            keys.add(pk('M', i * 1024 & 0xff, i * 1024 >> 8));
        }
        PyValue.Dict d = (PyValue.Dict) Pickles.decode(dictOf(keys));
        assertEquals(64, d.entries().size());
        assertEquals(new PyValue.Int(BigInteger.ONE), d.entries().get(PyValue.Int.of(64512)));
    }
}
