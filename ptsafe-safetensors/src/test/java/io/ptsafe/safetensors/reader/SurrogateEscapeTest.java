package io.ptsafe.safetensors.reader;

import static io.ptsafe.safetensors.reader.TestFiles.file;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unpaired UTF-16 surrogate escapes, which serde_json (the reference's parser) refuses: see
 * ptsafe-pickle/src/test/resources/differential/safetensors and docs/differentials/safetensors.md.
 */
class SurrogateEscapeTest {
    private static final String BS = "\\";
    private static final String T = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";

    @TempDir
    Path dir;
    private int count;

    private Path write(String header) {
        return TestFiles.write(dir, "f" + (count++) + ".safetensors", file(header, 4));
    }

    @Test
    void unpairedSurrogatesInNamesAndMetadataAreRefused() {
        String high = BS + "ud800";
        String low = BS + "udc00";
        for (String s : List.of(high, low, high + "x", high + BS + "u0041", high + BS + "n", high + high, low + high,
                "a" + high)) {
            for (String header : List.of("{\"" + s + "\":" + T + "}",
                    "{\"__metadata__\":{\"k\":\"" + s + "\"},\"w\":" + T + "}")) {
                PtsafeException e = TestFiles.refused(Reason.INVALID_HEADER_DESERIALIZATION, write(header));
                assertTrue(e.getMessage().contains("surrogate") && e.getMessage().contains("header byte "),
                        e.getMessage());
            }
        }
    }

    @Test
    void anEscapedPairLoads() throws IOException {
        try (TensorFile f = SafeLoader.open(write("{\"" + BS + "ud83d" + BS + "ude00\":" + T + "}"))) {
            assertEquals("\uD83D\uDE00", f.tensors().get(0).name());
        }
    }

    @Test
    void theDifferentialCasesAreDecidedAsTheReferenceDecides() throws IOException {
        Path cases = Path.of("../ptsafe-pickle/src/test/resources/differential/safetensors");
        for (String name : List.of("surrogate-control", "surrogate-pair-escaped")) {
            try (TensorFile f = SafeLoader.open(cases.resolve(name + ".safetensors"))) {
                assertEquals(1, f.tensors().size());
            }
        }
        try (var files = Files.list(cases)) {
            for (Path p : files.filter(p -> p.getFileName().toString().matches("surrogate-(lone|high).*")).toList()) {
                TestFiles.refused(Reason.INVALID_HEADER_DESERIALIZATION, p);
            }
        }
    }

    @Test
    void anIndexWithAnUnpairedSurrogateIsRefused() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("model"));
        Path index = Files.writeString(folder.resolve("model.safetensors.index.json"),
                "{\"weight_map\":{\"" + BS + "ud800\":\"model-00001-of-00001.safetensors\"}}");
        PtsafeException e = TestFiles.refused(Reason.INVALID_INDEX, index);
        assertTrue(e.getMessage().contains("surrogate"), e.getMessage());
    }
}
