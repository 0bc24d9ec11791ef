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

    /** Every failure the generator showed both CPython unpicklers to fail at before anything runs. */
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
        assertEquals(95, n);
    }

    /** A Hugging Face style model folder: every text file is "not a model file", the model SAFE. */
    @Test
    void aModelFolderListsItsTextFilesAsNotModelFiles(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        java.util.Map<String, String> texts = new java.util.LinkedHashMap<>();
        texts.put("README.md", "---\nlicense: mit\n---\n# A model\n");
        texts.put("LICENSE", "MIT License\n\nCopyright (c) 2024 The Authors\n\nPermission is hereby granted, free of "
                + "charge, to any person obtaining a copy\n");
        texts.put("NOTICE", "Copyright 2024 The HuggingFace Team. All rights reserved.\n\nLicensed under the Apache "
                + "License, Version 2.0 (the \"License\");\nyou may not use this file except in compliance with the "
                + "License.\n");
        texts.put("COPYRIGHT", "Copyright (c) Meta Platforms, Inc. and affiliates.\n\nThis source code is licensed "
                + "under the MIT license found in the\nLICENSE file in the root directory of this source tree.\n");
        texts.put("config.json", "{\n  \"architectures\": [\"BertModel\"],\n  \"hidden_size\": 768\n}\n");
        texts.put("tokenizer.json", "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\"}}\n");
        texts.put("tokenizer_config.json", "{\"model_max_length\": 512}\n");
        texts.put("vocab.txt", "[PAD]\n[unused0]\n[CLS]\n[SEP]\nthe\n");
        texts.put("merges.txt", "#version: 0.2\n\u0120 t\n\u0120 a\n");
        texts.put("modeling.py", "import torch\nimport torch.nn as nn\n\nclass Model(nn.Module):\n    pass\n");
        texts.put(".gitattributes", "*.7z filter=lfs diff=lfs merge=lfs -text\n*.bin filter=lfs diff=lfs merge=lfs -text\n");
        for (var e : texts.entrySet()) {
            Files.writeString(dir.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
        }
        Files.copy(Path.of("src/test/resources/torch/real/conv2d.pt"), dir.resolve("pytorch_model.bin"));
        TreeScan t = SafeLoader.scanTree(dir, LoadOptions.defaults());
        assertEquals(texts.keySet(), t.skipped().stream().map(s -> Path.of(s.location()).getFileName().toString())
                .collect(java.util.stream.Collectors.toSet()), t::toString);
        assertEquals(1, t.reports().size(), t::toString);
        assertEquals(Verdict.SAFE, t.verdict(), t::toString);
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
            "Lic\n", "g0\n", "h\u0000", "\u0080\u0009", "J\u0001\u0002", "Vno newline", "Pabc\n", "The model card.\n",
            // well-formed opcodes, then the end of the file before STOP
            "Mod", "N", "(", "\u0080\u0002", "I01\n", "S'x'\n", "C\u0003\u0001\u00ff\u0000",
            // later failures; a GLOBAL or INST of a module no identifier spells
            "MIT License\n", "K\u0001a", "(11", "import torch\n", "cos\r\nsystem\r\n", "cmy-module\nx\n"};
        for (String s : notPickles) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            assertTrue(PickleSniffer.whyNotAPickle(b, b.length) != null, s);
        }
        String[] pickles = {"cos\nsystem\n", "iposix\nsystem\n", "\u0095\u00ff\u0000\u0000\u0000\u0000\u0000\u0000\u0000",
            "\u0082\u0001", "I01\ncos\nsystem\n", "Modcos\nsystem\n", "V\u00e9\n", "S'x\\n'\n", "(N(e",
            "K\u0001K\u0002a", "K\u0001.", "Ix\n", "F1e5\n", "I012\n", "c_private\nx\n", "c\u00e9t\u00e9\nx\n",
            "c.x\ny\n", "NPabc\n", "C\u0003\u0001\u00ff\u0000\u0085K\u0001\u0082\u0001"};
        for (String s : pickles) {
            byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
            assertEquals(null, PickleSniffer.whyNotAPickle(b, b.length), s);
        }
        // a length running past the head but not past the file is a pickle
        assertEquals(null, PickleSniffer.whyNotAPickle(new byte[] {'X', 0x10, 0x27, 0, 0, 'a'}, 20_000));
    }
}
