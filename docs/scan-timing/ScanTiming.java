import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.TensorFile;
import java.nio.file.Path;

/**
 * Times open+close against scan, in one warm JVM (median of 11 runs after 5 warm-up runs each):
 *
 *     java -cp ptsafe-cli/target/ptsafe.jar docs/scan-timing/ScanTiming.java /tmp/ptsafe-timing/big.pt ...
 */
public class ScanTiming {
    interface Run {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        LoadOptions crc = LoadOptions.builder().crcPolicy(LoadOptions.CrcPolicy.CHECK_IF_PRESENT).build();
        for (String a : args) {
            Path p = Path.of(a);
            System.out.printf("%s%n", p);
            time("  open + close           ", () -> SafeLoader.open(p).close());
            time("  scan (default)         ", () -> check(SafeLoader.scan(p)));
            time("  scan (CHECK_IF_PRESENT)", () -> check(SafeLoader.scan(p, crc)));
        }
    }

    static void check(ScanReport r) {
        if (r.verdict() != ScanReport.Verdict.SAFE) {
            throw new IllegalStateException(r.findings().toString());
        }
    }

    static void time(String label, Run r) throws Exception {
        for (int i = 0; i < 5; i++) {
            r.run();
        }
        long[] t = new long[11];
        for (int i = 0; i < t.length; i++) {
            long s = System.nanoTime();
            r.run();
            t[i] = System.nanoTime() - s;
        }
        java.util.Arrays.sort(t);
        System.out.printf("%s %9.2f ms (min %.2f, max %.2f)%n", label, t[5] / 1e6, t[0] / 1e6, t[10] / 1e6);
    }
}
