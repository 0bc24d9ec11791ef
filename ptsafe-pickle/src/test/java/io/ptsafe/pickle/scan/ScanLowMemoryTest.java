package io.ptsafe.pickle.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanReport;
import java.io.IOException;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Every hostile fixture scanned in the surefire execution "low-memory" (-Xmx64m): a scan, which
 * goes further than loading, must not need the memory a file asks for either.
 */
@Tag("lowmem")
class ScanLowMemoryTest {

    @TestFactory
    Stream<DynamicTest> hostileFilesScanIn64MegabyteHeap() throws IOException {
        long max = Runtime.getRuntime().maxMemory();
        assertTrue(max <= 80L << 20, "this test must run with -Xmx64m, heap is " + (max >> 20) + " MB");
        return Fixtures.hostile().stream().map(h -> DynamicTest.dynamicTest(h.file(), () -> {
            ScanReport r = SafeLoader.scan(h.path(), h.options());
            assertEquals(ScanReport.Verdict.valueOf(h.verdict()), r.verdict(), () -> h + ": " + r.findings());
        }));
    }
}
