package io.ptsafe.pickle.scan;

import io.ptsafe.LoadOptions;
import io.ptsafe.Reason;
import io.ptsafe.pickle.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** The committed torch fixtures: real checkpoints and the malicious manifest. */
final class Fixtures {
    static final Path TORCH = Path.of("src", "test", "resources", "torch");
    static final Path MALICIOUS = TORCH.resolve("malicious");
    static final Path REAL = TORCH.resolve("real");
    static final Path SAMPLES = Path.of("..", "samples");

    /** One manifest entry. */
    record Hostile(String file, String format, Reason expect, List<Reason> acceptable, String verdict,
            boolean needsCrcPolicy) {
        Path path() {
            return MALICIOUS.resolve(file);
        }

        /** The options the manifest means: a CRC policy where the refusal needs one. */
        LoadOptions options() {
            return needsCrcPolicy ? LoadOptions.builder().crcPolicy(LoadOptions.CrcPolicy.CHECK_IF_PRESENT).build()
                    : LoadOptions.defaults();
        }

        @Override
        public String toString() {
            return file;
        }
    }

    private Fixtures() {
    }

    static List<Hostile> hostile() throws IOException {
        List<Hostile> out = new ArrayList<>();
        for (Object o : Json.arr(Json.read(MALICIOUS.resolve("manifest.json")))) {
            Map<String, Object> e = Json.obj(o);
            Reason expect = Reason.valueOf((String) e.get("expect_reason"));
            List<Reason> acceptable = new ArrayList<>();
            if (e.get("acceptable_reasons") != null) {
                Json.arr(e.get("acceptable_reasons")).forEach(r -> acceptable.add(Reason.valueOf((String) r)));
            } else {
                acceptable.add(expect);
            }
            out.add(new Hostile((String) e.get("file"), (String) e.get("format"), expect, acceptable,
                    (String) e.get("scan_verdict"), Boolean.TRUE.equals(e.get("needs_crc_policy"))));
        }
        return out;
    }

    /** Every real checkpoint: real/*.pt (zip, legacy, variants) and samples/*.pt. */
    static List<Path> real() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(REAL)) {
            s.filter(p -> p.toString().endsWith(".pt")).sorted().forEach(out::add);
        }
        try (Stream<Path> s = Files.list(SAMPLES)) {
            s.filter(p -> p.toString().endsWith(".pt")).sorted().forEach(out::add);
        }
        return out;
    }

    static boolean isLegacy(Path p) {
        return p.getFileName().toString().endsWith(".legacy.pt");
    }
}
