package io.ptsafe.pickle.zip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link EntryShapes} notes what the layout rules asked of the names in the mapping before: the top
 * folder compared as bytes with the first entry's, folders, and {@code data/N} spelled as Python's
 * {@code str} spells N, ignoring ASCII case as torch's zip reader does.
 */
class EntryShapesTest {
    private static EntryShapes shapes(String... names) {
        EntryShapes s = new EntryShapes(names.length);
        for (int i = 0; i < names.length; i++) {
            byte[] b = ("xx" + names[i]).getBytes(StandardCharsets.UTF_8);
            s.note(i, b, 2, b.length - 2, names[i].getBytes(StandardCharsets.UTF_8).length == 0 ? -1
                    : indexOf(b, 2), i % 2 == 0);
        }
        return s;
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == '/') {
                return i - from;
            }
        }
        return -1;
    }

    @Test
    void dataRecordsByTheirNumber() {
        EntryShapes s = shapes("a/data/0", "a/DATA/17", "a/data/017", "a/data/", "a/data/1x", "a/data/123456789",
                "a/data/1234567890", "a/Code/x", "a/.DATA/version", "a/data.pkl", "a/d", "a/c");
        assertEquals(0, s.under(0));
        assertEquals(17, s.under(1), "ASCII case ignored");
        assertEquals(EntryShapes.NONE, s.under(2), "a leading zero is not how str spells 17");
        assertEquals(EntryShapes.NONE, s.under(3));
        assertEquals(EntryShapes.NONE, s.under(4));
        assertEquals(123456789, s.under(5));
        assertEquals(EntryShapes.NONE, s.under(6), "at most nine digits");
        assertEquals(EntryShapes.CODE, s.under(7));
        assertEquals(EntryShapes.DOT_DATA, s.under(8));
        assertEquals(EntryShapes.NONE, s.under(9));
        assertEquals(EntryShapes.NONE, s.under(10));
        assertEquals(EntryShapes.NONE, s.under(11));
    }

    @Test
    void topFolderFolderSlashAndPlain() {
        EntryShapes s = shapes("ärchive/data.pkl", "ärchive/", "ärchivex/a", "Ärchive/a", "ärchive", "ärchiv/a");
        assertTrue(s.inFirstTop(0));
        assertTrue(s.inFirstTop(1));
        assertTrue(s.folder(1));
        assertFalse(s.folder(0));
        assertFalse(s.inFirstTop(2), "a longer top folder");
        assertFalse(s.inFirstTop(3), "bytes compared exactly, case too");
        assertTrue(s.inFirstTop(4), "no slash: the whole name is the top");
        assertFalse(s.hasSlash(4));
        assertTrue(s.hasSlash(0));
        assertFalse(s.inFirstTop(5));
        assertTrue(s.plain(0));
        assertFalse(s.plain(1));
    }
}
