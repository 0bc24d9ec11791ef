package io.ptsafe.pickle.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanFinding.Severity;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanReport.Global;
import io.ptsafe.scan.ScanReport.Verdict;
import io.ptsafe.scan.ScanRule;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** What the scan reports about particular hostile files: the published scanner bypasses and the details. */
class ScanDetailsTest {

    static ScanReport scan(String file) {
        return SafeLoader.scan(Fixtures.MALICIOUS.resolve(file));
    }

    static Set<String> named(ScanReport r, Global.Kind kind) {
        return r.globals().stream().filter(g -> g.kind() == kind).map(Global::resolved).collect(Collectors.toSet());
    }

    static int byteAt(Path file, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            f.seek(offset);
            return f.read();
        }
    }

    /** 'os' and 'system' come from the memo, far from STACK_GLOBAL: resolved all the same. */
    @Test
    void stackGlobalFromMemoisedStrings() throws IOException {
        ScanReport r = scan("zip_stack_global_memo.pt");
        assertEquals(Verdict.UNSAFE, r.verdict());
        Global g = r.globals().stream().filter(x -> x.kind() == Global.Kind.DANGEROUS).findFirst().orElseThrow();
        assertEquals("os.system", g.resolved());
        assertEquals("os", g.family());
        assertEquals("STACK_GLOBAL", g.opcode());
        assertEquals(0x93, byteAt(Fixtures.MALICIOUS.resolve("zip_stack_global_memo.pt"), g.location().fileOffset()));
        assertTrue(g.location().entry().endsWith("/data.pkl"));
    }

    /** Findings point at the opcode: the file's byte at fileOffset is the GLOBAL that names the payload. */
    @Test
    void findingsAreLocatedAtTheirOpcode() throws IOException {
        ScanReport r = scan("zip_os_system_reduce.pt");
        ScanFinding f = r.findings(ScanRule.DANGEROUS_GLOBAL).getFirst();
        assertEquals('c', byteAt(Fixtures.MALICIOUS.resolve("zip_os_system_reduce.pt"), f.location().fileOffset()));
        assertTrue(f.message().contains("posix.system"), f.message());
        assertTrue(r.complete());
        assertTrue(named(r, Global.Kind.ALLOWED).contains("torch._utils._rebuild_tensor_v2"));
    }

    @Test
    void everyGlobalIsFoundNotJustTheFirst() {
        assertEquals(Set.of("builtins.getattr", "builtins.__import__"),
                named(scan("zip_builtins_getattr.pt"), Global.Kind.DANGEROUS));
        assertEquals(Set.of("importlib.import_module", "builtins.getattr"),
                named(scan("zip_importlib_getattr.pt"), Global.Kind.DANGEROUS));
        assertEquals(Set.of("runpy._run_code"), named(scan("zip_runpy_run_code.pt"), Global.Kind.DANGEROUS));
        assertEquals(Set.of("pip.main"), named(scan("zip_pip_main.pt"), Global.Kind.DANGEROUS));
        ScanReport nested = scan("zip_nested_pickle.pt");
        assertEquals(Set.of("pickle.loads"), named(nested, Global.Kind.DANGEROUS));
        assertTrue(named(nested, Global.Kind.ALLOWED).contains("_codecs.encode"));
    }

    /** INST names its callable inline: the global and the opcode are both findings, and decoding goes on. */
    @Test
    void forbiddenOpcodes() {
        ScanReport inst = scan("zip_inst.pt");
        assertEquals(1, inst.findings(ScanRule.FORBIDDEN_OPCODE).size());
        assertEquals(Set.of("os.system"), named(inst, Global.Kind.DANGEROUS));
        assertEquals("INST", inst.globals().stream().filter(g -> g.kind() == Global.Kind.DANGEROUS).findFirst()
                .orElseThrow().opcode());
        assertTrue(inst.complete(), inst.findings().toString());
        ScanReport obj = scan("zip_obj_os_system.pt");
        assertFalse(obj.findings(ScanRule.DANGEROUS_GLOBAL).isEmpty());
        ScanReport ext = scan("zip_ext1.pt");
        assertTrue(ext.findings(ScanRule.FORBIDDEN_OPCODE).getFirst().message().contains("extension code 231"));
        assertEquals(Verdict.UNSAFE, scan("zip_forbidden_call.pt").verdict());
        assertEquals(1, scan("zip_forbidden_call.pt").findings(ScanRule.FORBIDDEN_CALL).size());
    }

    /** A truncated pickle still reports what was seen before the cut, and says the scan stopped. */
    @Test
    void truncatedPickleReportsWhatCameBefore() {
        ScanReport r = scan("zip_truncated_pickle.pt");
        assertEquals(Verdict.INVALID, r.verdict());
        assertFalse(r.complete());
        assertEquals(1, r.findings(ScanRule.TRUNCATED_PICKLE).size());
        assertTrue(named(r, Global.Kind.ALLOWED).contains("collections.OrderedDict"), r.globals().toString());
        assertTrue(r.tensors().isEmpty());
    }

    /** Protocol 0 and 1 pickles named pytorch_model.bin, and pickle+zip polyglots: what torch.load runs. */
    @Test
    void picklesWithoutMagicAndPolyglots() {
        for (String f : List.of("proto0/pytorch_model.bin", "proto1/pytorch_model.bin", "polyglot_pickle_then_zip.pt",
                "bare_pickle_torch_tensors.pkl")) {
            ScanReport r = scan(f);
            assertEquals(ContainerKind.PICKLE, r.container(), f);
            assertEquals(Verdict.UNSAFE, r.verdict(), f);
        }
        assertEquals(1, scan("polyglot_pickle_then_zip.pt").findings(ScanRule.TRAILING_DATA).size());
        ScanReport inert = scan("bare_pickle_lists.pkl");
        assertEquals(Verdict.INVALID, inert.verdict());
        assertEquals(ScanRule.NOT_A_CHECKPOINT, inert.findings().getFirst().rule());
    }

    /**
     * A wrong CRC on data.pkl crashes zipfile-based scanners; here the payload is reported and the
     * CRC too (a warning: the default policy does not enforce it, and torch does not check it).
     */
    @Test
    void crcTricks() {
        ScanReport exploit = scan("zip_bad_crc_exploit.pt");
        assertEquals(Verdict.UNSAFE, exploit.verdict());
        assertEquals(Severity.WARNING, exploit.findings(ScanRule.CRC_MISMATCH).getFirst().severity());
        ScanReport enforced = SafeLoader.scan(Fixtures.MALICIOUS.resolve("zip_bad_crc_exploit.pt"),
                LoadOptions.builder().crcPolicy(LoadOptions.CrcPolicy.REQUIRE).build());
        assertEquals(Verdict.UNSAFE, enforced.verdict());
        assertEquals(Severity.ERROR, enforced.findings(ScanRule.CRC_MISMATCH).getFirst().severity());

        ScanReport record = scan("zip_bad_crc_record.pt");
        assertEquals(Verdict.SAFE, record.verdict(), "the default policy reads no tensor data");
        assertEquals(List.of(), record.findings());
        ScanReport checked = SafeLoader.scan(Fixtures.MALICIOUS.resolve("zip_bad_crc_record.pt"),
                LoadOptions.builder().crcPolicy(LoadOptions.CrcPolicy.CHECK_IF_PRESENT).build());
        assertEquals(Verdict.INVALID, checked.verdict());
        ScanFinding f = checked.findings(ScanRule.CRC_MISMATCH).getFirst();
        assertTrue(f.location().entry().endsWith("/data/0"), f.toString());
        assertTrue(checked.tensors().isPresent(), "the CRC does not stop the rest of the scan");
    }

    @Test
    void containersThatHoldCode() {
        ScanReport ts = scan("zip_torchscript.pt");
        assertEquals(ContainerKind.TORCHSCRIPT, ts.container());
        assertEquals(Verdict.UNSAFE, ts.verdict(), "it is code: PTS120");
        assertEquals(ScanRule.HOLDS_CODE, ts.findings().getFirst().rule());
        assertTrue(ts.container().holdsCode());
        for (String tar : List.of("legacy_tar_2017.pt", "legacy_tar_exploit.pt")) {
            assertEquals(ContainerKind.TAR, scan(tar).container());
        }
    }

    @Test
    void zipIntegrity() {
        assertEquals(ScanRule.DUPLICATE_ENTRY, scan("zip_case_duplicate_data_pkl.pt").findings().getFirst().rule());
        assertEquals(ScanRule.INVALID_ZIP, scan("zip_local_name_mismatch.pt").findings().getFirst().rule());
        assertEquals(ScanRule.ENCRYPTED_ENTRY, scan("zip_encrypted_flag.pt").findings().getFirst().rule());
        assertEquals(ScanRule.ZIP_BOMB, scan("zip_bomb.pt").findings().getFirst().rule());
        ScanReport upper = scan("zip_data_pkl_uppercase.pt");
        assertEquals(Verdict.UNSAFE, upper.verdict(), "DATA.PKL is what torch reads as data.pkl");
    }

    /** Every pickle of a legacy stream goes through the machine: a payload in sys_info is found where it is. */
    @Test
    void legacyStreams() throws IOException {
        ScanReport sys = scan("legacy_exploit_sys_info.legacy.pt");
        assertEquals(ContainerKind.TORCH_LEGACY, sys.container());
        assertEquals(Verdict.UNSAFE, sys.verdict());
        ScanFinding f = sys.findings(ScanRule.DANGEROUS_GLOBAL).getFirst();
        assertTrue(f.location().entry().contains("sys_info"), f.toString());
        int op = byteAt(Fixtures.MALICIOUS.resolve("legacy_exploit_sys_info.legacy.pt"), f.location().fileOffset());
        assertTrue(op == 'c' || op == 0x93, "GLOBAL or STACK_GLOBAL at " + f.location());
        assertFalse(sys.complete(), "the stream stops at the pickle that names it");

        ScanReport keys = scan("legacy_key_unreferenced.legacy.pt");
        assertEquals(List.of(ScanRule.UNREFERENCED_STORAGE), keys.findings().stream().map(ScanFinding::rule).toList());
        assertEquals(Verdict.UNSAFE, scan("polyglot_legacy_then_zip.pt").verdict());
        ScanReport real = SafeLoader.scan(Fixtures.REAL.resolve("protocol1.legacy.pt"));
        assertEquals(Verdict.SAFE, real.verdict(), real.findings().toString());
    }

    /** numpy .npz (read, SAFE) and torch.package archives are recognised for what they are. */
    @Test
    void otherZipContainers() {
        ScanReport npz = SafeLoader.scan(Fixtures.TORCH.resolve("scan/arrays.npz"));
        assertEquals(ContainerKind.NUMPY, npz.container());
        assertEquals(Verdict.SAFE, npz.verdict(), npz::toString);
        assertEquals(2, npz.tensors().orElseThrow().count());
        ScanReport pkg = SafeLoader.scan(Fixtures.TORCH.resolve("scan/package.pt"));
        assertEquals(ContainerKind.TORCH_PACKAGE, pkg.container());
        assertEquals(ScanRule.HOLDS_CODE, pkg.findings().getFirst().rule());
        assertEquals(Verdict.INVALID, pkg.verdict());
    }

    /** Open recognises the same containers as scan (one recognition per format), with the same reason. */
    @Test
    void openRefusesWhatScanRecognises() {
        for (String name : List.of("scan/package.pt")) {
            Path p = Fixtures.TORCH.resolve(name);
            PtsafeException x = assertThrows(PtsafeException.class, () -> SafeLoader.open(p).close(), name);
            assertEquals(Reason.UNSUPPORTED_FORMAT, x.reason(), x.getMessage());
            assertEquals(Verdict.INVALID, SafeLoader.scan(p).verdict(), name);
        }
    }

    /** What torch.load ignores loads, scans SAFE, and is shown as warnings. */
    @Test
    void recordsAndEntriesTorchIgnores() throws Exception {
        Path p = Fixtures.TORCH.resolve("scan/extra_entries.pt");
        ScanReport r = SafeLoader.scan(p);
        assertEquals(Verdict.SAFE, r.verdict(), r.findings().toString());
        assertEquals(List.of(ScanRule.UNREFERENCED_RECORD, ScanRule.UNEXPECTED_ENTRY),
                r.findings().stream().map(ScanFinding::rule).toList());
        assertTrue(r.findings().stream().allMatch(f -> f.severity() == Severity.WARNING));
        assertEquals("extra_entries/data/99", r.findings().getFirst().location().entry());
        assertEquals(2, r.tensors().orElseThrow().count());
        try (var f = SafeLoader.open(p)) {
            assertEquals(2, f.tensors().size());
        }
    }
}
