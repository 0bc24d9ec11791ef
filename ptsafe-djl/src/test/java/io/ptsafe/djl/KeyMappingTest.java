package io.ptsafe.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KeyMappingTest {

    @Test
    void rulesApplyInOrderAndInvertLastFirst() {
        KeyMapping keys = KeyMapping.builder()
                .stripPrefix("module.")
                .rename(Map.of("self_attn.in_proj_weight", "attn_in.weight"))
                .rename("^encoder\\.layers\\.(\\d+)\\.", "layer$1.", "^layer(\\d+)\\.", "encoder.layers.$1.")
                .addPrefix("net.")
                .build();
        assertEquals("net.attn_in.weight", keys.toBlock("module.self_attn.in_proj_weight"));
        assertEquals("net.layer3.norm.bias", keys.toBlock("module.encoder.layers.3.norm.bias"));
        assertEquals("net.fc.weight", keys.toBlock("fc.weight"));
        assertEquals("module.self_attn.in_proj_weight", keys.toFile("net.attn_in.weight"));
        assertEquals("module.encoder.layers.3.norm.bias", keys.toFile("net.layer3.norm.bias"));
        assertEquals("x", KeyMapping.identity().toBlock("x"));
    }

    @Test
    void aRegexWithoutItsInverseCannotWriteBack() {
        KeyMapping keys = KeyMapping.builder().rename("^model\\.", "").build();
        assertEquals("0.weight", keys.toBlock("model.0.weight"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> keys.toFile("0.weight"));
        assertEquals(true, e.getMessage().contains("inverse"), e.getMessage());
    }

    @Test
    void twoNamesRenamedToOneAreTheCallersMistake() {
        assertThrows(IllegalArgumentException.class,
                () -> KeyMapping.builder().rename(Map.of("a", "x", "b", "x")));
        assertThrows(IllegalArgumentException.class, () -> KeyMapping.builder().stripPrefix(""));
    }
}
