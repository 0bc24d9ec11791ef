package io.ptsafe.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@link LoadOptions} limit, at its boundary, on real files of every format: for each file
 * and setting, the smallest value that still opens the file is found by bisection; the test then
 * checks that the file opens (and every tensor reads) at exactly that value, and that one less is
 * refused with a {@link LimitExceededException} that names that setting and that limit. A limit a
 * file does not reach (the smallest value, 1, opens it) is not applicable to it; every setting must
 * apply to at least one file. The module tests of ptsafe-safetensors and ptsafe-pickle hold the
 * hand-made at-and-over tests for each rule; this one checks them all the same way, through
 * {@link SafeLoader}, so none is left out when a limit is added.
 */
class LimitBoundariesTest {
    private static final List<String> FILES = List.of("all_dtypes.safetensors", "sharded/model.safetensors.index.json",
            "training_checkpoint.deflated.pt", "views.pt", "training_checkpoint.legacy.pt");
    private static final List<String> SHARDS = List.of("sharded/model-00001-of-00003.safetensors",
            "sharded/model-00002-of-00003.safetensors", "sharded/model-00003-of-00003.safetensors");
    /** Every limit of LoadOptions, with its default. */
    private static final Map<String, Long> SETTINGS = new LinkedHashMap<>();

    static {
        LoadOptions d = LoadOptions.defaults();
        SETTINGS.put("maxHeaderBytes", d.maxHeaderBytes());
        SETTINGS.put("maxJsonDepth", (long) d.maxJsonDepth());
        SETTINGS.put("maxTensors", (long) d.maxTensors());
        SETTINGS.put("maxRank", (long) d.maxRank());
        SETTINGS.put("maxStringLength", (long) d.maxStringLength());
        SETTINGS.put("maxShards", (long) d.maxShards());
        SETTINGS.put("maxPickleBytes", d.maxPickleBytes());
        SETTINGS.put("maxPickleOpcodes", d.maxPickleOpcodes());
        SETTINGS.put("maxStackSize", (long) d.maxStackSize());
        SETTINGS.put("maxNestingDepth", (long) d.maxNestingDepth());
        SETTINGS.put("maxMemoEntries", (long) d.maxMemoEntries());
        SETTINGS.put("maxPickleStringBytes", (long) d.maxPickleStringBytes());
        SETTINGS.put("maxContainerItems", (long) d.maxContainerItems());
        SETTINGS.put("maxIntBytes", (long) d.maxIntBytes());
        SETTINGS.put("maxDecodedBytes", d.maxDecodedBytes());
        SETTINGS.put("maxZipEntries", (long) d.maxZipEntries());
        SETTINGS.put("maxInflatedBytes", d.maxInflatedBytes());
        SETTINGS.put("maxCompressionRatio", (long) d.maxCompressionRatio());
    }

    @TempDir
    static Path dir;

    @BeforeAll
    static void copyFixtures() throws IOException {
        Files.createDirectories(dir.resolve("sharded"));
        for (String name : concat(FILES, SHARDS)) {
            try (InputStream in = LimitBoundariesTest.class.getResourceAsStream("/limits/" + name)) {
                Files.copy(in, dir.resolve(name));
            }
        }
    }

    @Test
    void everyLimitHoldsAtItsValueAndRefusesOneLess() throws IOException {
        Map<String, List<String>> applies = new TreeMap<>();
        StringBuilder table = new StringBuilder();
        for (String name : FILES) {
            Path file = dir.resolve(name);
            for (Map.Entry<String, Long> s : SETTINGS.entrySet()) {
                String setting = s.getKey();
                if (opens(file, setting, 1)) {
                    continue;
                }
                long lo = 1; // refused
                long hi = s.getValue(); // opens (the defaults open every fixture)
                assertTrue(opens(file, setting, hi), name + " opens with the default " + setting);
                while (hi - lo > 1) {
                    long mid = lo + (hi - lo) / 2;
                    if (opens(file, setting, mid)) {
                        hi = mid;
                    } else {
                        lo = mid;
                    }
                }
                LimitExceededException e = refusal(file, setting, hi - 1);
                String at = name + ", " + setting + " = " + (hi - 1) + ": " + e.getMessage();
                assertEquals(setting, e.setting(), at);
                assertEquals(hi - 1, e.limit(), at);
                assertTrue(e.value() > e.limit(), at);
                // a sharded set's refusal names the shard it is about
                assertEquals(file.getParent(), e.file().getParent(), at);
                applies.computeIfAbsent(setting, k -> new java.util.ArrayList<>()).add(name + " at " + hi);
                table.append(String.format("%-22s %-40s opens at %d%n", setting, name, hi));
            }
        }
        System.out.print(table);
        for (String setting : SETTINGS.keySet()) {
            assertTrue(applies.containsKey(setting), setting + " bites on none of " + FILES);
        }
    }

    /** Opens the file with one setting changed and reads every tensor; false when that setting refuses it. */
    private static boolean opens(Path file, String setting, long value) throws IOException {
        try (TensorFile f = SafeLoader.open(file, with(setting, value))) {
            for (Tensor t : f.tensors()) {
                t.data();
            }
            return true;
        } catch (LimitExceededException e) {
            return false;
        } catch (PtsafeException e) {
            throw new AssertionError(file + " with " + setting + " = " + value + " refused other than as a limit", e);
        }
    }

    private static LimitExceededException refusal(Path file, String setting, long value) throws IOException {
        try (TensorFile f = SafeLoader.open(file, with(setting, value))) {
            fail(f + " opens with " + setting + " = " + value);
            return null;
        } catch (LimitExceededException e) {
            return e;
        }
    }

    private static LoadOptions with(String setting, long v) {
        LoadOptions.Builder b = LoadOptions.builder();
        int i = (int) Math.min(v, Integer.MAX_VALUE);
        switch (setting) {
            case "maxHeaderBytes" -> b.maxHeaderBytes(v);
            case "maxJsonDepth" -> b.maxJsonDepth(i);
            case "maxTensors" -> b.maxTensors(i);
            case "maxRank" -> b.maxRank(i);
            case "maxStringLength" -> b.maxStringLength(i);
            case "maxShards" -> b.maxShards(i);
            case "maxPickleBytes" -> b.maxPickleBytes(v);
            case "maxPickleOpcodes" -> b.maxPickleOpcodes(v);
            case "maxStackSize" -> b.maxStackSize(i);
            case "maxNestingDepth" -> b.maxNestingDepth(i);
            case "maxMemoEntries" -> b.maxMemoEntries(i);
            case "maxPickleStringBytes" -> b.maxPickleStringBytes(i);
            case "maxContainerItems" -> b.maxContainerItems(i);
            case "maxIntBytes" -> b.maxIntBytes(i);
            case "maxDecodedBytes" -> b.maxDecodedBytes(v);
            case "maxZipEntries" -> b.maxZipEntries(i);
            case "maxInflatedBytes" -> b.maxInflatedBytes(v);
            case "maxCompressionRatio" -> b.maxCompressionRatio(i);
            default -> throw new AssertionError(setting);
        }
        return b.build();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
