package io.ptsafe.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Blocks loaded from torch's files, written back by {@link StateDicts#save}: the files are the
 * committed {@code written/NAME.djl.safetensors}, and torch 1.13 read those back with the original
 * state dict's bytes ({@code check_written.py}, whose output {@code written/torch_check.json} is
 * committed). Regenerate with {@code -Dptsafe.djl.regenerate=true}, then run check_written.py.
 */
class RoundTripTest {
    private static final Path WRITTEN = Fixtures.file("written");

    private record Model(String name, Supplier<Block> block, Shape input, DjlOptions options) {
    }

    private static final List<Model> MODELS = List.of(
            new Model("mlp", TestBlocks::mlp, TestBlocks.MLP_INPUT, DjlOptions.defaults()),
            new Model("cnn", TestBlocks::cnn, TestBlocks.CNN_INPUT, DjlOptions.defaults()),
            new Model("encoder", TestBlocks.Encoder::new, TestBlocks.ENCODER_INPUT,
                    DjlOptions.builder().keys(TestBlocks.encoderKeys()).build()));

    @Test
    void writtenFilesAreTheCommittedOnes(@TempDir Path dir) throws IOException {
        boolean regenerate = Boolean.getBoolean("ptsafe.djl.regenerate");
        for (Model m : MODELS) {
            Path out = dir.resolve(m.name() + ".djl.safetensors");
            try (NDManager manager = Fixtures.manager()) {
                Block b = m.block().get();
                b.initialize(manager, DataType.FLOAT32, m.input());
                StateDicts.load(b, Fixtures.file(m.name() + ".pt"), m.options());
                StateDicts.save(b, out, m.options());
            }
            Path committed = WRITTEN.resolve(m.name() + ".djl.safetensors");
            if (regenerate) {
                Files.copy(out, committed, StandardCopyOption.REPLACE_EXISTING);
            }
            assertArrayEquals(Files.readAllBytes(committed), Files.readAllBytes(out), m.name());
        }
    }

    @Test
    void torchReadThemBackWithTheOriginalBytes() throws IOException, NoSuchAlgorithmException {
        Map<String, Map<String, Object>> check = readCheck(WRITTEN.resolve("torch_check.json"));
        assertEquals(MODELS.size(), check.size(), check.keySet().toString());
        for (Model m : MODELS) {
            Map<String, Object> c = check.get(m.name() + ".djl.safetensors");
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(WRITTEN.resolve(m.name() + ".djl.safetensors")));
            assertEquals(HexFormat.of().formatHex(sha), c.get("sha256"), m.name() + ": torch checked this very file");
            assertTrue(((String) c.get("torch_version")).startsWith("1.13"), c.toString());
            assertEquals(List.of(), c.get("different"), m.name());
            assertEquals(List.of(), c.get("unexpected"), m.name());
            // Not even BatchNorm's num_batches_tracked, which DJL has no parameter for: torch 1.13's
            // _BatchNorm._load_from_state_dict puts a 0 in its place when a state dict lacks it.
            assertEquals(List.of(), c.get("missing"), m.name());
            assertEquals(c.get("keys"), c.get("identical"), m.name());
        }
    }

    /** torch_check.json: {file: {"sha256": .., "torch_version": .., "keys": n, "identical": n, "different": [..], ...}}. */
    private static Map<String, Map<String, Object>> readCheck(Path json) throws IOException {
        Map<String, Map<String, Object>> out = new HashMap<>();
        try (JsonParser p = new JsonFactory().createParser(json.toFile())) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String file = p.currentName();
                p.nextToken();
                Map<String, Object> fields = new HashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken v = p.nextToken();
                    if (v == JsonToken.START_ARRAY) {
                        List<String> items = new ArrayList<>();
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            items.add(p.getText());
                        }
                        fields.put(field, items);
                    } else if (v == JsonToken.VALUE_NUMBER_INT) {
                        fields.put(field, p.getLongValue());
                    } else {
                        fields.put(field, p.getText());
                    }
                }
                out.put(file, fields);
            }
        }
        return out;
    }
}
