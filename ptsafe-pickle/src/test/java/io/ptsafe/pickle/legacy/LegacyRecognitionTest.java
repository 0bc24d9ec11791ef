package io.ptsafe.pickle.legacy;

import io.ptsafe.spi.TarHeader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.spi.FileProbe;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What the torch-legacy provider claims from a file's first bytes, and what it leaves to others. */
class LegacyRecognitionTest {
    static final Path TORCH = Path.of("src/test/resources/torch");
    final TorchLegacyProvider provider = new TorchLegacyProvider();

    @Test
    void claimsEveryLegacyStreamWhateverItsPickleProtocol() throws IOException {
        try (Stream<Path> s = Files.list(TORCH.resolve("real"))) {
            for (Path p : s.toList()) {
                boolean legacy = p.getFileName().toString().endsWith(".legacy.pt");
                if (legacy || p.getFileName().toString().endsWith(".pt")) {
                    assertEquals(legacy, provider.recognizes(FileProbe.of(p)), p.toString());
                }
            }
        }
        for (int proto = 1; proto <= 5; proto++) {
            if (proto != 2) {
                assertTrue(provider.recognizes(FileProbe.of(TORCH.resolve("real/protocol" + proto + ".legacy.pt"))));
            }
        }
    }

    @Test
    void claimsTarsAndLeavesBarePicklesToOthers() throws IOException {
        Path m = TORCH.resolve("malicious");
        assertTrue(provider.recognizes(FileProbe.of(m.resolve("legacy_tar_2017.pt"))));
        assertTrue(provider.recognizes(FileProbe.of(m.resolve("legacy_tar_exploit.pt"))));
        assertTrue(provider.recognizes(FileProbe.of(TORCH.resolve("legacy/tar_with_legacy_magic.legacy.pt"))));
        for (String other : new String[] {"bare_pickle_lists.pkl", "proto0/pytorch_model.bin", "proto1/pytorch_model.bin",
                "polyglot_pickle_then_zip.pt", "legacy_exploit_magic.legacy.pt", "zip_inst.pt"}) {
            assertFalse(provider.recognizes(FileProbe.of(m.resolve(other))), other);
        }
        assertFalse(provider.recognizes(FileProbe.of(TORCH)), "a folder");
    }

    @Test
    void aTarStartingWithTheMagicIsATar() throws IOException {
        byte[] head = LegacyMaliciousTest.head(TORCH.resolve("legacy/tar_with_legacy_magic.legacy.pt"));
        assertTrue(LegacyMagic.startsWithMagic(head));
        assertTrue(TarHeader.checksumValid(head), "torch.load reads it as a tar, so it is one");
        byte[] legacy = LegacyMaliciousTest.head(TORCH.resolve("real/transformer_encoder_layer.legacy.pt"));
        assertFalse(TarHeader.checksumValid(legacy));
        assertFalse(TarHeader.hasUstarMagic(legacy));
    }

    /** The checksum field as Python's tarfile reads it: verdicts checked with CPython 3.11's tarfile. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "'%06o\\0 '|true", "' %o  '|true", "'0o%o'|true", "'0o_%o'|true", "'+%o'|true", "'75_22'|true",
        "'%o_'|false", "'_%o'|false", "'75__22'|false", "'\\u001f%o'|true", "'+%o1'|false", "''|false"})
    void checksumFieldReadAsTarfileReadsIt(String field, boolean valid) throws IOException {
        byte[] tar = LegacyMaliciousTest.head(TORCH.resolve("malicious/legacy_tar_2017.pt"));
        assertEquals(07522, sum(tar), "the fixture's checksum, which the cases below spell");
        String text = field.replace("\\0", "\0").replace("\\u001f", "\u001f").replace("%06o", "007522")
                .replace("%o", "7522");
        byte[] f = Arrays.copyOf(text.getBytes(StandardCharsets.ISO_8859_1), 8);
        System.arraycopy(f, 0, tar, 148, 8);
        assertEquals(valid, TarHeader.checksumValid(tar), "field '" + text + "'");
    }

    @Test
    void base256ChecksumField() throws IOException {
        byte[] tar = LegacyMaliciousTest.head(TORCH.resolve("malicious/legacy_tar_2017.pt"));
        byte[] f = {(byte) 0x80, 0, 0, 0, 0, 0, 0x0f, 0x52};
        System.arraycopy(f, 0, tar, 148, 8);
        assertTrue(TarHeader.checksumValid(tar));
        tar[155] = 0x53;
        assertFalse(TarHeader.checksumValid(tar));
    }

    private static int sum(byte[] block) {
        int s = 8 * ' ';
        for (int i = 0; i < 512; i++) {
            s += i >= 148 && i < 156 ? 0 : block[i] & 0xff;
        }
        return s;
    }
}
