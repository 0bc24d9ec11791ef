package io.ptsafe.pickle;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Every malicious fixture again, in the surefire execution "low-memory" (a JVM of -Xmx64m): bombs
 * that ask for gigabytes must be refused from their declarations, not by running out of memory.
 */
@Tag("lowmem")
class LowMemoryTest {

    @TestFactory
    Stream<DynamicTest> maliciousFixturesIn64MegabyteHeap() throws Exception {
        long max = Runtime.getRuntime().maxMemory();
        assertTrue(max <= 80L << 20, "this test must run with -Xmx64m, heap is " + (max >> 20) + " MB");
        return MaliciousFixtures.entries().stream().map(e -> DynamicTest.dynamicTest(e.file(),
                () -> MaliciousFixtures.assertRefused(e)));
    }
}
