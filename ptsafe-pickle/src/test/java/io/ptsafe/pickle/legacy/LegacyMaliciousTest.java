package io.ptsafe.pickle.legacy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.pickle.MaliciousFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Every legacy and tar fixture of {@code malicious/manifest.json}, and every file starting with
 * the legacy magic number, is refused with the manifest's reason (or one of its acceptable ones).
 */
class LegacyMaliciousTest {
    static final Path MALICIOUS = Path.of("src/test/resources/torch/malicious");

    /**
     * Strict where the shared manifest test is lenient: a legacy file answered UNKNOWN_FORMAT (no
     * legacy provider) fails here instead of being skipped.
     */
    @Tag("lowmem")
    @TestFactory
    Stream<DynamicTest> refusedWithTheManifestReason() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (MaliciousFixtures.Entry e : MaliciousFixtures.entries()) {
            Path p = e.path();
            if (!e.format().equals("legacy") && !e.format().equals("tar") && !LegacyMagic.startsWithMagic(head(p))) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(e.file() + " -> " + e.acceptable(), () -> {
                PtsafeException x = assertThrows(PtsafeException.class, () -> SafeLoader.open(p).close());
                assertTrue(e.acceptable().contains(x.reason()), "expected one of " + e.acceptable() + ", got "
                        + x.getMessage());
                assertTrue(x.getMessage().startsWith(p.toString()), "the message names the file: " + x.getMessage());
            }));
        }
        assertEquals(14, tests.size(), "legacy, tar and legacy-polyglot fixtures in the manifest");
        return tests.stream();
    }

    @Tag("lowmem")
    @TestFactory
    Stream<DynamicTest> exploitsNameThePayload() {
        return Stream.of("legacy_exploit_sys_info.legacy.pt", "legacy_exploit_object.legacy.pt",
                "legacy_exploit_key_list.legacy.pt", "polyglot_legacy_then_zip.pt").map(name ->
                DynamicTest.dynamicTest(name, () -> {
                    PtsafeException x = assertThrows(PtsafeException.class,
                            () -> SafeLoader.open(MALICIOUS.resolve(name)).close());
                    assertEquals(Reason.FORBIDDEN_GLOBAL, x.reason());
                    assertTrue(x.getMessage().contains("legacy stream"), x.getMessage());
                    assertFalse(x.getMessage().isBlank());
                }));
    }

    static byte[] head(Path p) throws IOException {
        try (var in = Files.newInputStream(p)) {
            return in.readNBytes(4096);
        }
    }
}
