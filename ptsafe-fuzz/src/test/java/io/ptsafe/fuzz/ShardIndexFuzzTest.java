package io.ptsafe.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ptsafe.SafeLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sharded checkpoint's index JSON the fuzzer writes, in a folder holding three real shards (and
 * the index file's own name, so an index naming itself is tried too): the index parser, shard name
 * checks, opening the shards it names, the cross-checks between index and shards, then every read.
 */
class ShardIndexFuzzTest {
    private static final List<String> SHARDS = List.of("model-00001-of-00003.safetensors",
            "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors");

    @TempDir
    static Path dir;

    @FuzzTest(maxDuration = "30s")
    void index(byte[] json) throws IOException {
        shards();
        Path p = Hostile.file(dir, "model.safetensors.index.json", json);
        Hostile.openReadClose(p, q -> SafeLoader.open(q, Hostile.OPTIONS));
    }

    private static void shards() {
        for (String s : SHARDS) {
            Path p = dir.resolve(s);
            if (!Files.exists(p)) {
                try (InputStream in = ShardIndexFuzzTest.class.getResourceAsStream("/limits/sharded/" + s)) {
                    Files.copy(in, p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
