package io.ptsafe.pickle;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;

/** The malicious fixtures' manifest, and the check that SafeLoader refuses each one as it says. */
public final class MaliciousFixtures {
    private MaliciousFixtures() {
    }

    public record Entry(String file, String format, Set<Reason> acceptable, boolean needsCrcPolicy) {
        public Path path() {
            return Fixtures.MALICIOUS.resolve(file);
        }

        /** Files only the legacy reader (not yet in this module) can read. */
        boolean legacyOnly() throws Exception {
            if (format.equals("legacy") || format.equals("tar")) {
                return true;
            }
            byte[] head = Files.readAllBytes(path());
            return format.equals("polyglot") && head.length > 4 && (head[0] & 0xff) == 0x80 && (head[2] & 0xff) == 0x8a;
        }
    }

    public static List<Entry> entries() throws Exception {
        List<Entry> out = new ArrayList<>();
        for (Object o : Json.arr(Json.read(Fixtures.MALICIOUS.resolve("manifest.json")))) {
            Map<String, Object> e = Json.obj(o);
            Set<Reason> ok = new TreeSet<>();
            ok.add(Reason.valueOf((String) e.get("expect_reason")));
            if (e.containsKey("acceptable_reasons")) {
                Json.arr(e.get("acceptable_reasons")).forEach(r -> ok.add(Reason.valueOf((String) r)));
            }
            out.add(new Entry((String) e.get("file"), (String) e.get("format"), ok,
                    Boolean.TRUE.equals(e.get("needs_crc_policy"))));
        }
        return out;
    }

    /** Opens the fixture through SafeLoader and asserts it is refused with one of its reasons. */
    public static void assertRefused(Entry e) throws Exception {
        LoadOptions options = e.needsCrcPolicy()
                ? LoadOptions.builder().crcPolicy(LoadOptions.CrcPolicy.CHECK_IF_PRESENT).build()
                : LoadOptions.defaults();
        try (TensorFile f = SafeLoader.open(e.path(), options)) {
            fail(e.file() + " was loaded: " + f + ", expected one of " + e.acceptable());
        } catch (PtsafeException x) {
            if (x.reason() == Reason.UNKNOWN_FORMAT && e.legacyOnly()) {
                Assumptions.abort(e.file() + ": the legacy reader is not in this module yet");
            }
            assertTrue(e.acceptable().contains(x.reason()), e.file() + ": expected one of " + e.acceptable() + ", got "
                    + x.reason() + ": " + x.getMessage());
            assertTrue(x.getMessage().contains(e.path().getFileName().toString()), "names the file: " + x.getMessage());
        }
    }
}
