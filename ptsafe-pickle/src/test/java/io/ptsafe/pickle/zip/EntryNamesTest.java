package io.ptsafe.pickle.zip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link EntryNames} lets {@link ZipArchive} skip its name rules only for names that break none:
 * every name it calls plain is one {@link ZipArchive#unsafe} accepts, its hash is the one lookups
 * compute from the name in ASCII lower case, and its first '/' is found as a byte offset.
 */
class EntryNamesTest {
    private static final Path PATH = Path.of("t.pt");

    @Test
    void plainNamesBreakNoRule() throws Exception {
        List<String> names = new ArrayList<>(List.of("", "/", ".", "..", "a", "a/", "a//b", "a/./b", "a/../b", "./a",
                "../a", "/a", "a\\b", "a\u0001b", "a\u007fb", "a/.hidden", "a/b.", "a/b..", "a.b/c", "archive/data/0",
                "ARCHIVE/Data.PKL", "a/...", "a/.", "a/..", "a-b/c_d/e~f", "x/y z/w"));
        Random r = new Random(17);
        String alphabet = "ab/.\\\u0001\u007fA-_0";
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = r.nextInt(8); k > 0; k--) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            names.add(sb.toString());
        }
        EntryNames reader = new EntryNames();
        int plain = 0;
        for (String name : names) {
            byte[] b = name.getBytes(StandardCharsets.UTF_8);
            assertNull(reader.read(MemorySegment.ofArray(b), 0, b.length, PATH), "ASCII: its bytes are its chars");
            assertEquals(ZipArchive.hash(0, ZipArchive.asciiLower(name), 0, name.length()), reader.hash(), name);
            assertEquals(name.indexOf('/'), reader.firstSlash(), name);
            if (reader.plain()) {
                plain++;
                assertNull(ZipArchive.unsafe(name), name);
            }
        }
        assertTrue(plain > 1000, "some random names are plain: " + plain);
    }

    @Test
    void nonAsciiNamesAreNeverPlainAndHashAsTheirChars() throws Exception {
        EntryNames reader = new EntryNames();
        String name = "archive/d\u00e4ta/\u20ac";
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        assertEquals(name, reader.read(MemorySegment.ofArray(b), 0, b.length, PATH));
        assertFalse(reader.plain());
        assertEquals(ZipArchive.hash(0, name, 0, name.length()), reader.hash());
        assertEquals(7, reader.firstSlash());
        String deep = "\u00e4\u00e4/x";
        byte[] d = deep.getBytes(StandardCharsets.UTF_8);
        assertEquals(deep, reader.read(MemorySegment.ofArray(d), 0, d.length, PATH));
        assertEquals(4, reader.firstSlash(), "a byte offset");
    }

    @Test
    void comparesALocalCopyByteForByte() throws Exception {
        byte[] b = "archive/data/12345678.x|archive/data/12345678.x|archive/data/12345678.y".getBytes(StandardCharsets.US_ASCII);
        MemorySegment file = MemorySegment.ofArray(b);
        EntryNames reader = new EntryNames();
        reader.read(file, 0, 23, PATH);
        assertTrue(reader.sameAs(file, 24, 23));
        assertFalse(reader.sameAs(file, 48, 23));
        assertFalse(reader.sameAs(file, 24, 22));
    }
}
