package io.ptsafe.safetensors.reader;

import static io.ptsafe.safetensors.reader.TestFiles.entry;
import static io.ptsafe.safetensors.reader.TestFiles.file;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each limit met exactly opens; exceeded by one it is refused, naming the setting, the value and the limit. */
class LimitsTest {
    @TempDir
    Path dir;

    private void atLimit(Path p, LoadOptions ok, LoadOptions over, Reason reason, String setting, long value)
            throws IOException {
        try (TensorFile tf = SafeLoader.open(p, ok)) {
            tf.tensors().forEach(t -> { });
        }
        LimitExceededException e = (LimitExceededException) TestFiles.refused(reason, p, over);
        assertEquals(setting, e.setting());
        assertEquals(value, e.value());
        assertEquals(value - 1, e.limit());
    }

    @Test
    void maxHeaderBytes() throws IOException {
        String h = "{" + entry("w", "U8", "2", 0, 2) + "}";
        int n = h.getBytes(StandardCharsets.UTF_8).length;
        Path p = TestFiles.write(dir, "h.safetensors", file(h, 2));
        atLimit(p, LoadOptions.builder().maxHeaderBytes(n).build(), LoadOptions.builder().maxHeaderBytes(n - 1).build(),
                Reason.HEADER_TOO_LARGE, "maxHeaderBytes", n);
    }

    @Test
    void maxTensors() throws IOException {
        String h = "{" + entry("a", "U8", "1", 0, 1) + "," + entry("b", "U8", "1", 1, 2) + "," + entry("c", "U8", "1", 2, 3) + "}";
        Path p = TestFiles.write(dir, "t.safetensors", file(h, 3));
        atLimit(p, LoadOptions.builder().maxTensors(3).build(), LoadOptions.builder().maxTensors(2).build(),
                Reason.TOO_MANY_TENSORS, "maxTensors", 3);
    }

    @Test
    void maxRank() throws IOException {
        Path p = TestFiles.write(dir, "r.safetensors", file("{" + entry("w", "U8", "1,2,1", 0, 2) + "}", 2));
        atLimit(p, LoadOptions.builder().maxRank(3).build(), LoadOptions.builder().maxRank(2).build(),
                Reason.TOO_MANY_DIMENSIONS, "maxRank", 3);
    }

    @Test
    void maxJsonDepth() throws IOException {
        Path p = TestFiles.write(dir, "d.safetensors", file("{" + entry("w", "U8", "2", 0, 2) + "}", 2));
        atLimit(p, LoadOptions.builder().maxJsonDepth(3).build(), LoadOptions.builder().maxJsonDepth(2).build(),
                Reason.HEADER_TOO_DEEP, "maxJsonDepth", 3);
        Path m = TestFiles.write(dir, "m.safetensors", file("{\"__metadata__\":{\"k\":\"v\"}}", 0));
        atLimit(m, LoadOptions.builder().maxJsonDepth(2).build(), LoadOptions.builder().maxJsonDepth(1).build(),
                Reason.HEADER_TOO_DEEP, "maxJsonDepth", 2);
    }

    /** Lengths count UTF-16 units as {@link String#length()} does: é and 中 are 1, 😀 is 2, an escape is 1. */
    @Test
    void maxStringLength() throws IOException {
        String value = "é中😀\\u00e9" + "x".repeat(15); // 1 + 1 + 2 + 1 + 15 = 20
        Path p = TestFiles.write(dir, "s.safetensors", file("{\"__metadata__\":{\"k\":\"" + value + "\"}}", 0));
        atLimit(p, LoadOptions.builder().maxStringLength(20).build(), LoadOptions.builder().maxStringLength(19).build(),
                Reason.STRING_TOO_LONG, "maxStringLength", 20);
        try (TensorFile tf = SafeLoader.open(p)) {
            assertEquals(20, tf.metadata().get("k").length());
        }
        String name = "n".repeat(30);
        Path q = TestFiles.write(dir, "n.safetensors", file("{" + entry(name, "U8", "1", 0, 1) + "}", 1));
        atLimit(q, LoadOptions.builder().maxStringLength(30).build(), LoadOptions.builder().maxStringLength(29).build(),
                Reason.STRING_TOO_LONG, "maxStringLength", 30);
    }

    /** __metadata__ is one decoded dict: its entries count against maxContainerItems. */
    @Test
    void maxContainerItemsBoundsMetadata() throws IOException {
        Path p = TestFiles.write(dir, "meta.safetensors", file("{\"__metadata__\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}}", 0));
        atLimit(p, LoadOptions.builder().maxContainerItems(3).build(), LoadOptions.builder().maxContainerItems(2).build(),
                Reason.INVALID_METADATA, "maxContainerItems", 3);
    }

    /** Above jackson's default limits (names of 50,000 chars), within ptsafe's: accepted. */
    @Test
    void legalHeadersBeyondJacksonDefaultsAreAccepted() throws IOException {
        String name = "n".repeat(200_000);
        String value = "v".repeat(LoadOptions.DEFAULT_MAX_STRING_LENGTH);
        Path p = TestFiles.write(dir, "big.safetensors",
                file("{\"__metadata__\":{\"k\":\"" + value + "\"}," + entry(name, "U8", "1", 0, 1) + "}", 1));
        try (TensorFile tf = SafeLoader.open(p)) {
            assertEquals(name, tf.tensors().get(0).name());
            assertEquals(value, tf.metadata().get("k"));
        }
    }
}
