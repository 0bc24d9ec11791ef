package io.ptsafe.pickle.zip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.pickle.TorchZips;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Finding records as torch does (names compared ignoring ASCII case, relative to the root), through
 * the table of names and the index of {@code data/N} records by number: both give what a map of the
 * lower-case relative names gives.
 */
class ZipArchiveLookupTest {
    private static final Path PATH = Path.of("t.pt");

    private static ZipArchive zip(String... names) throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        for (String name : names) {
            entries.put(name, name.endsWith("/") ? new byte[0] : name.getBytes());
        }
        return ZipArchive.read(PATH, MemorySegment.ofArray(TorchZips.bytes(entries, false)), LoadOptions.defaults());
    }

    @Test
    void recordsByNumberAndByNameAgreeWithTheMapOfLowerCaseNames() throws Exception {
        List<String> names = List.of("archive/", "archive/data.pkl", "archive/DATA/0", "archive/data/1", "archive/Data/10",
                "archive/data/07", "archive/data/x", "archive/data/", "archive/data/99999", "archive/version");
        ZipArchive zip = zip(names.toArray(String[]::new));
        for (String key : List.of("0", "1", "10", "07", "7", "x", "X", "2", "99999", "", "00", "-1", "1x")) {
            assertSame(zip.records().get(ZipArchive.asciiLower("data/" + key)), zip.record("data/", key), key);
            assertSame(zip.records().get(ZipArchive.asciiLower("data/" + key)), zip.record("data/" + key), key);
        }
        assertEquals("archive/DATA/0", zip.record("data/", "0").name());
        assertEquals("archive/Data/10", zip.record("DATA/", "10").name());
        assertNull(zip.record("data/", "2"));
        assertNull(zip.record("data/", ""), "a folder is no record");
        assertSame(zip.records().get("version"), zip.record("VERSION"));
        assertFalse(zip.anyRecordUnder("code/"));
        assertFalse(zip.anyRecordUnder(".data/"));
        assertTrue(zip.anyRecordUnder("data/"));
    }

    @Test
    void foldersOfCodeAndDotDataAreFoundIgnoringCase() throws Exception {
        assertTrue(zip("a/data.pkl", "a/CODE/x.py").anyRecordUnder("code/"));
        assertFalse(zip("a/data.pkl", "a/code/").anyRecordUnder("code/"), "a folder entry alone is no record");
        assertTrue(zip("a/data.pkl", "a/.Data/version").anyRecordUnder(".data/"));
        assertFalse(zip("a/data.pkl", "a/xcode/y").anyRecordUnder("code/"));
    }

    @Test
    void nonAsciiNamesAreFoundAndComparedAsTorchDoes() throws Exception {
        ZipArchive zip = zip("\u00e4/data.pkl", "\u00e4/DATA/0", "\u00e4/\u00c4", "\u00e4/\u00e4");
        assertEquals("\u00e4", zip.root());
        assertEquals("\u00e4/DATA/0", zip.record("data/", "0").name());
        assertEquals("\u00e4/\u00c4", zip.record("\u00c4").name(), "only ASCII case is ignored");
        assertEquals("\u00e4/\u00e4", zip.record("\u00e4").name());
        assertSame(zip.records().get("data.pkl"), zip.record("DATA.pkl"));
    }

    @Test
    void duplicatesAndRootsAreJudgedOnTheNames() throws Exception {
        PtsafeException dup = assertThrows(PtsafeException.class, () -> zip("a/\u00c4B", "a/\u00c4b"));
        assertEquals(Reason.DUPLICATE_ENTRY, dup.reason());
        PtsafeException root = assertThrows(PtsafeException.class, () -> zip("a/x", "A/y"));
        assertEquals(Reason.ENTRY_OUTSIDE_ROOT, root.reason());
        PtsafeException root2 = assertThrows(PtsafeException.class, () -> zip("ab/x", "a/y"));
        assertEquals(Reason.ENTRY_OUTSIDE_ROOT, root2.reason());
        assertTrue(root2.getMessage().contains("entry 'a/y' is outside the root folder 'ab/'"), root2.getMessage());
    }
}
