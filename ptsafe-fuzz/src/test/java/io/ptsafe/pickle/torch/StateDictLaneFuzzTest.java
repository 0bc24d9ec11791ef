package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.ptsafe.LoadOptions;
import io.ptsafe.fuzz.Hostile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The state-dict lane against the pickle machine, coverage-guided: any bytes as the state-dict pickle of
 * a real checkpoint, opened with {@link StateDictLane} on and off ({@link LaneOutcomes}), must give the
 * same refusal (class, reason, message) or the same file (every tensor's geometry and bytes, storage
 * sharing, the whole root tree). The lane is a second reader of the same bytes, used on open only: where
 * it and the machine part, an open could accept what a scan refuses, or the reverse.
 *
 * <p>The input's first byte picks the template ({@link #TEMPLATES}, zip or legacy form: its other records,
 * storages and key list stay as torch wrote them); the rest replaces its data.pkl or its object pickle.
 * The seeds are each template's own pickle ({@link #seedsAreTheTemplatesPickles}). A finding is a
 * difference, the lane taking a pickle with the lane off, or anything other than a refusal escaping
 * either path (rendered as {@code THREW}).
 */
class StateDictLaneFuzzTest {
    /** ptsafe-pickle's torch fixtures, from this module's directory. */
    static final Path TORCH = Path.of("../ptsafe-pickle/src/test/resources/torch");
    /** Written by torch 1.13 (ptsafe-pickle/src/test/fixtures/make_lane_fixtures.py): the lane's shapes and near misses. */
    static final List<String> TEMPLATES = List.of("lane/plain_dict", "lane/sequential_batchnorm_metadata",
            "lane/views_offset_strides", "lane/zero_dim_and_empty", "lane/every_dtype", "lane/large_dims",
            "lane/unicode_and_long_keys", "lane/tied_storage", "lane/same_tensor_two_keys", "lane/parameters",
            "lane/int_keys", "lane/nested_model_epoch", "lane/state_dict_protocol1", "lane/state_dict_protocol4",
            "real/linear", "real/batchnorm2d");
    static final LoadOptions OPTIONS = Hostile.OPTIONS;
    /** Template {@code 2i} is {@code TEMPLATES[i]} as a zip, {@code 2i + 1} its legacy form. */
    private static final List<LaneTargets.Target> TARGETS = targets();

    @FuzzTest(maxDuration = "30s")
    void lane(byte[] input) throws IOException {
        if (input.length == 0) {
            return;
        }
        LaneTargets.Target target = TARGETS.get((input[0] & 0xff) % TARGETS.size());
        byte[] file = target.rebuild(Arrays.copyOfRange(input, 1, input.length));
        LaneOutcomes.Outcome off = LaneOutcomes.open(file, target.name(), OPTIONS, false);
        LaneOutcomes.Outcome on = LaneOutcomes.open(file, target.name(), OPTIONS, true);
        if (off.taken() != 0 || !off.text().equals(on.text()) || off.text().startsWith("THREW")) {
            throw new AssertionError(target.name() + " opens differently with the lane on (lane took " + on.taken()
                    + "):\n" + (off.text().equals(on.text()) ? off.text() : LaneOutcomes.firstDifference(off.text(),
                            on.text())));
        }
    }

    /**
     * The committed seeds are the templates' own pickles, behind their selector byte (none missing, none
     * stale). After {@link #TEMPLATES} changes, {@code -Dptsafe.lane.writeSeeds=true} writes them first.
     */
    @Test
    void seedsAreTheTemplatesPickles() throws IOException {
        Path seeds = Path.of("src/test/resources/io/ptsafe/pickle/torch/StateDictLaneFuzzTestInputs/lane");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < TARGETS.size(); i++) {
            LaneTargets.Target t = TARGETS.get(i);
            String name = String.format("%02d-%s", i, t.name());
            names.add(name);
            byte[] want = new byte[t.pickle().length + 1];
            want[0] = (byte) i;
            System.arraycopy(t.pickle(), 0, want, 1, t.pickle().length);
            if (Boolean.getBoolean("ptsafe.lane.writeSeeds")) {
                Files.createDirectories(seeds);
                Files.write(seeds.resolve(name), want);
            }
            assertArrayEquals(want, Files.readAllBytes(seeds.resolve(name)), name);
            // and the template, rebuilt around its own pickle, opens the same both ways
            byte[] file = t.rebuild(t.pickle());
            assertEquals(LaneOutcomes.open(file, t.name(), OPTIONS, false).text(),
                    LaneOutcomes.open(file, t.name(), OPTIONS, true).text(), t.name());
        }
        try (var listed = Files.list(seeds)) {
            assertEquals(names, listed.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    private static List<LaneTargets.Target> targets() {
        try {
            List<LaneTargets.Target> targets = new ArrayList<>();
            for (String f : TEMPLATES) {
                targets.add(LaneTargets.zip(TORCH.resolve(f + ".pt")));
                targets.add(LaneTargets.legacy(TORCH.resolve(f + ".legacy.pt")));
            }
            return List.copyOf(targets);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
