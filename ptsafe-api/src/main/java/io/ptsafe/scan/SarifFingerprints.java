package io.ptsafe.scan;

import io.ptsafe.scan.ScanFinding.Location;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The {@code partialFingerprints} of SARIF results, by which code-scanning tools recognise an
 * alert from one run to the next. Built from what identifies a finding and never from its message
 * (whose wording may change between versions): the rule id, the file as the log names it, the
 * location (zip entry, offset in it, offset in the file), and the offending value where the report
 * has one (the resolved names of the globals at that location). Two findings alike in all of these
 * are told apart by their order.
 */
final class SarifFingerprints {
    /** The key under {@code partialFingerprints}; the suffix is bumped if the recipe ever changes. */
    static final String KEY = "ptsafeFinding/v1";

    private SarifFingerprints() {
    }

    /** {@return one fingerprint per finding of {@code r}, in order} */
    static List<String> of(ScanReport r) {
        Map<Location, TreeSet<String>> values = new HashMap<>();
        for (ScanReport.Global gl : r.globals()) {
            values.computeIfAbsent(gl.location(), l -> new TreeSet<>()).add(gl.resolved());
        }
        Map<String, Integer> seen = new HashMap<>();
        List<String> out = new ArrayList<>(r.findings().size());
        for (ScanFinding f : r.findings()) {
            Location l = f.location();
            TreeSet<String> v = values.get(l);
            // U+0000 cannot occur in a path or a Python name: the parts cannot run into each other
            String key = String.join("\u0000", f.rule().id(), ScanSarif.uri(r.path()), String.valueOf(l.entry()),
                    Long.toString(l.entryOffset()), Long.toString(l.fileOffset()),
                    v == null ? "" : String.join(",", v));
            int n = seen.merge(key, 1, Integer::sum) - 1;
            out.add(hex(key + "\u0000" + n));
        }
        return out;
    }

    private static String hex(String s) {
        MessageDigest md = FileDigest.newSha256();
        return java.util.HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)));
    }
}
