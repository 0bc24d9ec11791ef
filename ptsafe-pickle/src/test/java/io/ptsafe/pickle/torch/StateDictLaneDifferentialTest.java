package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ptsafe.LoadOptions;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import io.ptsafe.pickle.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link StateDictLane} changes speed only: every torch checkpoint in the repository (every module's
 * test resources, samples/, the bench's bundled open-10 files) opens, with the lane on and with it
 * off, to the same refusal (class, reason, message) or the same file ({@link LaneOutcomes}: tensors,
 * bytes, shared storages, root tree, metadata), and scans to the same report. The lane's own
 * fixtures (torch/lane/, written by make_lane_fixtures.py with torch 1.13) also decode, both ways, to
 * what torch.load gave.
 *
 * <p>{@link #laneTakesThePlainStateDicts} checks that the lane takes the files of {@link #MUST_TAKE}
 * (so that a lane that declines everything, which would pass the rest, fails here).
 */
class StateDictLaneDifferentialTest {
    static final Path ROOT = Path.of("..");
    static final Path LANE = Fixtures.TORCH.resolve("lane");
    static final LoadOptions OPTIONS = LoadOptions.defaults();

    /**
     * Plain state dicts (a dict or OrderedDict of str keys to tensors, with or without _metadata), as
     * torch.save writes them in both formats: the lane must take each of them. Relative to the
     * repository root.
     */
    static final List<String> MUST_TAKE = mustTake();

    private static List<String> mustTake() {
        List<String> out = new ArrayList<>();
        String real = "ptsafe-pickle/src/test/resources/torch/real/";
        for (String n : List.of("linear", "conv2d", "batchnorm2d", "lstm", "embedding", "transformer_encoder_layer",
                "dtypes", "views", "zero_size")) {
            out.add(real + n + ".pt");
            out.add(real + n + ".legacy.pt");
        }
        for (String n : List.of("linear.unaligned.pt", "linear.archive_root.pt", "linear.renamed_root.pt",
                "dtypes.torch2_layout.pt", "dtypes.big_endian.pt", "dtypes.big_endian_host.legacy.pt")) {
            out.add(real + n);
        }
        String lane = "ptsafe-pickle/src/test/resources/torch/lane/";
        // Not many_entries: most of its values are a tensor object saved under several keys (a memo
        // BINGET of the tensor), which the lane may decline; StateDictLaneGeneratedTest has the large
        // dicts of distinct tensors the lane must take.
        for (String n : List.of("sequential_batchnorm_metadata", "plain_dict", "tied_storage",
                "views_offset_strides", "zero_dim_and_empty", "every_dtype", "large_dims", "unicode_and_long_keys")) {
            out.add(lane + n + ".pt");
            out.add(lane + n + ".legacy.pt");
        }
        out.add("samples/mlp.pt");
        out.add("samples/mlp.legacy.pt");
        out.add("ptsafe-bench/src/main/resources/io/ptsafe/bench/open-10.pt");
        out.add("ptsafe-bench/src/main/resources/io/ptsafe/bench/open-10-legacy.pt");
        return List.copyOf(out);
    }

    /** Every .pt file under every module's src/test/resources, samples/ and the bench's open-10 files. */
    static List<Path> checkpoints() throws IOException {
        List<Path> roots = new ArrayList<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            modules.map(m -> m.resolve("src/test/resources")).filter(Files::isDirectory).sorted().forEach(roots::add);
        }
        roots.add(ROOT.resolve("samples"));
        List<Path> files = new ArrayList<>();
        for (Path r : roots) {
            try (Stream<Path> s = Files.walk(r)) {
                s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().endsWith(".pt")).sorted()
                        .forEach(files::add);
            }
        }
        Path bench = ROOT.resolve("ptsafe-bench/src/main/resources/io/ptsafe/bench");
        for (String n : List.of("open-10.pt", "open-10-legacy.pt")) {
            if (Files.isRegularFile(bench.resolve(n))) {
                files.add(bench.resolve(n));
            }
        }
        return files;
    }

    /** Per file (relative to the root): how many pickles the lane took when it was on. Computed once. */
    private static Map<String, Integer> taken;
    private static List<String> differences;

    private static synchronized void compareAll() throws IOException {
        if (taken != null) {
            return;
        }
        List<Path> files = checkpoints();
        assertTrue(files.size() > 500, "checkpoints found: " + files.size());
        Map<String, Integer> took = new LinkedHashMap<>();
        List<String> diffs = new ArrayList<>();
        int opened = 0;
        for (Path p : files) {
            String name = ROOT.relativize(p).toString().replace('\\', '/');
            LaneOutcomes.Outcome off = LaneOutcomes.open(p, OPTIONS, false);
            LaneOutcomes.Outcome on = LaneOutcomes.open(p, OPTIONS, true);
            assertEquals(0, off.taken(), name + ": the lane took a pickle while switched off");
            if (!off.text().equals(on.text())) {
                diffs.add(name + "\n" + LaneOutcomes.firstDifference(off.text(), on.text()));
            }
            opened += off.text().startsWith("refused ") || off.text().startsWith("THREW ") ? 0 : 1;
            took.put(name, on.taken());
        }
        long files1 = took.values().stream().filter(n -> n > 0).count();
        System.out.printf("StateDictLane: %d checkpoints (%d opened, %d refused), lane took %d pickles in %d files%n",
                files.size(), opened, files.size() - opened, took.values().stream().mapToInt(Integer::intValue).sum(),
                files1);
        List<String> missed = MUST_TAKE.stream().filter(n -> took.getOrDefault(n, 0) == 0).toList();
        System.out.printf("StateDictLane: took %d of the %d plain state dicts of MUST_TAKE%s%n",
                MUST_TAKE.size() - missed.size(), MUST_TAKE.size(), missed.isEmpty() ? "" : "; not " + missed);
        taken = took;
        differences = diffs;
    }

    @Test
    void everyCheckpointOpensTheSameWithTheLaneOnAndOff() throws IOException {
        compareAll();
        if (!differences.isEmpty()) {
            fail(differences.size() + " checkpoints open differently with the lane on:\n"
                    + String.join("\n", differences.subList(0, Math.min(5, differences.size()))));
        }
    }

    /**
     * The same with what a caller may opt into: TorchScript archives' weights and inert globals (the
     * lane must take no pickle it would read differently when a global is declared inert).
     */
    @Test
    void everyCheckpointOpensTheSameWithOptedInOptions() throws IOException {
        LoadOptions optedIn = LoadOptions.builder().allowTorchScriptWeights(true)
                .addInertGlobals("argparse.Namespace", "numpy.core.multiarray.scalar", "numpy.dtype").build();
        List<String> diffs = new ArrayList<>();
        for (Path p : checkpoints()) {
            LaneOutcomes.Outcome off = LaneOutcomes.open(p, optedIn, false);
            LaneOutcomes.Outcome on = LaneOutcomes.open(p, optedIn, true);
            if (!off.text().equals(on.text())) {
                diffs.add(ROOT.relativize(p) + "\n" + LaneOutcomes.firstDifference(off.text(), on.text()));
            }
        }
        assertEquals(List.of(), diffs.subList(0, Math.min(5, diffs.size())), diffs.size() + " checkpoints differ");
    }

    @Test
    void laneTakesThePlainStateDicts() throws IOException {
        compareAll();
        List<String> missed = new ArrayList<>();
        for (String name : MUST_TAKE) {
            Integer n = taken.get(name);
            assertTrue(n != null, name + " is not among the checkpoints found");
            if (n != 1) {
                missed.add(name + " (taken " + n + ")");
            }
        }
        assertEquals(List.of(), missed, "plain state dicts the lane did not take exactly once");
        System.out.println("StateDictLane took " + taken.values().stream().filter(n -> n > 0).count() + " files");
    }

    @Test
    void everyCheckpointScansTheSameWithTheLaneOnAndOff() throws IOException {
        List<String> diffs = new ArrayList<>();
        for (Path p : checkpoints()) {
            LaneOutcomes.Outcome off = LaneOutcomes.scan(p, OPTIONS, false);
            LaneOutcomes.Outcome on = LaneOutcomes.scan(p, OPTIONS, true);
            if (!off.text().equals(on.text())) {
                diffs.add(ROOT.relativize(p) + "\n" + LaneOutcomes.firstDifference(off.text(), on.text()));
            }
            // The lane is open-only: a scan reports every global, so it never takes the pickle.
            assertEquals(0, on.taken(), p + ": the lane took a pickle in a scan");
        }
        assertEquals(List.of(), diffs.subList(0, Math.min(5, diffs.size())), diffs.size() + " scans differ");
    }

    /** The lane's fixtures decode, with the lane on and off, to what torch 1.13's torch.load gave. */
    @Test
    void laneFixturesDecodeAsTorchDoes() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(LANE)) {
            files = s.filter(p -> p.toString().endsWith(".pt")).sorted().toList();
        }
        assertEquals(30, files.size(), "zip and legacy form of each lane fixture");
        int checked = 0;
        for (Path p : files) {
            Path expected = Fixtures.expectedOf(p);
            if (!Files.exists(expected)) {
                continue;   // many_entries: see make_lane_fixtures.py NO_EXPECTED
            }
            for (boolean lane : new boolean[] {false, true}) {
                ScopedValue.where(StateDictLane.ENABLED, lane).call(() -> {
                    try (TensorFile f = SafeLoader.open(p, OPTIONS)) {
                        Fixtures.assertMatches(f, expected);
                    }
                    return null;
                });
            }
            checked++;
        }
        assertEquals(28, checked);
    }
}
