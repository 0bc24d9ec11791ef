package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written storage-key check accepts exactly what its documented pattern accepts. */
class StorageKeyTest {
    private static final Pattern DOCUMENTED = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,255}");

    @Test
    void sameVerdictAsTheDocumentedPattern() {
        List<String> keys = new ArrayList<>(List.of("", "0", "12345", "a", "_", ".", "..", "-", "-1", "a.b", "a-b",
                "a/b", "../x", "x/..", "a b", "é", "0\u0000", "data/0", "A_z.9-", "\u0660", "ab\n"));
        keys.add("k".repeat(256));
        keys.add("k".repeat(257));
        // Every printable ASCII character in the first and in a later position.
        for (char c = 0; c < 128; c++) {
            keys.add(String.valueOf(c));
            keys.add("a" + c);
            keys.add("a" + c + "b");
        }
        for (String k : keys) {
            assertEquals(DOCUMENTED.matcher(k).matches(), StorageIds.isRecordName(k), () -> "key '" + k + "'");
        }
        assertEquals(false, StorageIds.isRecordName(null));
    }
}
