package io.ptsafe.pickle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReport.Verdict;
import io.ptsafe.scan.TreeScan;
import io.ptsafe.pickle.machine.PickleSniffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The differential group {@code detect} (made and proven with torch 1.13 by
 * src/test/fixtures/differential/make_detect_cases.py): every file torch.load unpickles is scanned as
 * a pickle, and the ones whose payload torch reaches are UNSAFE.
 */
class DetectCasesTest {
    static final Path DIR = Path.of("src/test/resources/differential/detect");
    /** The cases whose os.system torch 1.13 reaches (the generator checks it). */
    static final Set<String> PAYLOAD = Set.of("control-byte-first-arg.pt", "long-string-first.pt",
            "non-ascii-unicode-line.pt", "proto0-no-proto.pt", "proto1-no-proto.pt", "first-pickle-not-magic.pt");

    @Test
    void noCaseScansSafeAndEveryPayloadIsUnsafe() throws IOException {
        JsonNode cases = new ObjectMapper().readTree(Files.readAllBytes(DIR.resolve("cases.json")));
        assertEquals(9, cases.size());
        for (JsonNode c : cases) {
            Path p = DIR.resolve(c.get("file").asText());
            ScanReport r = SafeLoader.scan(p);
            assertNotEquals(Verdict.SAFE, r.verdict(), r::toString);
            if (PAYLOAD.contains(p.getFileName().toString())) {
                assertEquals(Verdict.UNSAFE, r.verdict(), () -> r + " " + r.findings());
                assertTrue(r.globals().stream().anyMatch(g -> g.resolved().equals("posix.system")
                        || g.resolved().equals("os.system")), r::toString);
            }
        }
    }

    /** In a folder walk, only the files CPython cannot start to unpickle are "not a model file". */
    @Test
    void aWalkListsOnlyTheFirstOpcodeFailures() {
        TreeScan t = SafeLoader.scanTree(DIR, LoadOptions.defaults());
        assertEquals(Set.of("cases.json", "verdicts.json", "first-opcode-failures.json", "text-binstring-length.txt", "text-int-line.txt"), t.skipped().stream()
                .map(s -> Path.of(s.location()).getFileName().toString()).collect(java.util.stream.Collectors.toSet()),
                t::toString);
        assertEquals(7, t.reports().size());
        assertEquals(Verdict.UNSAFE, t.verdict());
    }

    /** Every first-opcode failure the generator showed both CPython unpicklers to fail at. */
    @Test
    void theSnifferListsOnlyWhatCPythonFailsAt() throws IOException {
        JsonNode proven = new ObjectMapper().readTree(Files.readAllBytes(DIR.resolve("first-opcode-failures.json")));
        byte[] payload = java.util.HexFormat.of().parseHex("63706f7369780a73797374656d0a581b000000")  // GLOBAL, BINUNICODE
                ;
        byte[] call = concat(payload, "ptsafe-differential-payload".getBytes(StandardCharsets.US_ASCII),
                new byte[] {(byte) 0x85, 'R', '.'});
        int n = 0;
        for (JsonNode h : proven.get("withPayload")) {
            byte[] b = concat(java.util.HexFormat.of().parseHex(h.asText()), call);
            assertTrue(PickleSniffer.whyNotAPickle(b, b.length) != null, h.asText());
            n++;
        }
        for (JsonNode h : proven.get("wholeFile")) {
            byte[] b = java.util.HexFormat.of().parseHex(h.asText());
            assertTrue(PickleSniffer.whyNotAPickle(b, b.length) != null, h.asText());
            n++;
        }
        assertEquals(54, n);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    @Test
    void theSnifferFollowsCPythonAtTheFirstOpcode() {
        String[] notPickles = {"", "hello", "{\"a\": 1}", ".", "0cposix\n", "t(", "Some text\n", "I am\n", "F1.5x\n",
            "Lic\n", "g0\n", "h\u0000", "\u0080\u0009", "J\u0001\u0002", "Vno newline", "Pabc\n", "The model card.\n"};
        for (String s : notPickles) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            assertTrue(PickleSniffer.whyNotAPickle(b, b.length) != null, s);
        }
        String[] pickles = {"cos\nsystem\n", "iposix\nsystem\n", "\u0095\u00ff\u0000\u0000\u0000\u0000\u0000\u0000\u0000",
            "\u0082\u0001", "I01\n", "Mod", "V\u00e9\n", "S'x'\n", "N", "(", "\u0080\u0002", "C\u0003\u0001\u00ff\u0000"};
        for (String s : pickles) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            assertEquals(null, PickleSniffer.whyNotAPickle(b, b.length), s);
        }
        // a length running past the head but not past the file is a pickle
        assertEquals(null, PickleSniffer.whyNotAPickle(new byte[] {'X', 0x10, 0x27, 0, 0, 'a'}, 20_000));
    }
}
