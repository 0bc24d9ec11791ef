package io.ptsafe.pickle.zip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.MaliciousFixtures;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every hostile or broken fixture is refused with the manifest's reason. */
class TorchZipMaliciousTest {

    @TestFactory
    Stream<DynamicTest> everyMaliciousFixture() throws Exception {
        List<MaliciousFixtures.Entry> entries = MaliciousFixtures.entries();
        assertTrue(entries.size() >= 60, "manifest entries: " + entries.size());
        return entries.stream().map(e -> DynamicTest.dynamicTest(e.file() + " -> " + e.acceptable(),
                () -> MaliciousFixtures.assertRefused(e)));
    }

    /** A wrong CRC on a STORED tensor record is only refused when a CRC policy asks for it. */
    @TestFactory
    Stream<DynamicTest> crcPolicySkipLoads() throws Exception {
        return MaliciousFixtures.entries().stream().filter(MaliciousFixtures.Entry::needsCrcPolicy)
                .map(e -> DynamicTest.dynamicTest(e.file() + " loads under SKIP", () -> {
                    try (TensorFile f = SafeLoader.open(e.path(), LoadOptions.defaults())) {
                        assertEquals(LoadOptions.CrcPolicy.SKIP, LoadOptions.defaults().crcPolicy());
                        assertTrue(!f.tensors().isEmpty());
                    }
                }));
    }
}
