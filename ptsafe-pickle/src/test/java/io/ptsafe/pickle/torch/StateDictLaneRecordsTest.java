package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.fail;

import io.ptsafe.LoadOptions;
import io.ptsafe.pickle.Fixtures;
import io.ptsafe.pickle.TorchZips;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link StateDictLane} reads the pickle only, but builds the tensors itself, so what lies around the
 * pickle must come out the same too: state dicts whose storages are broken (a zip's data/ record
 * missing, a byte longer or shorter, empty; a byteorder record; an extra record; the version record
 * changed or missing; a legacy file's storage key list mutated, its storage section cut short or
 * changed, a byte after it) open with the lane on and off to the same refusal or the same file.
 */
class StateDictLaneRecordsTest {
    static final long SEED = 20261203L;
    static final LoadOptions OPTIONS = LoadOptions.defaults();
    static final List<String> FIXTURES = List.of("lane/plain_dict", "lane/sequential_batchnorm_metadata",
            "lane/views_offset_strides", "lane/zero_dim_and_empty", "lane/every_dtype", "lane/tied_storage",
            "lane/same_tensor_two_keys", "lane/many_entries", "real/linear");

    @Test
    void brokenStoragesOpenTheSameWithTheLaneOnAndOff() throws Exception {
        List<String> failures = new ArrayList<>();
        int files = 0;
        for (String f : FIXTURES) {
            Path zip = Fixtures.TORCH.resolve(f + ".pt");
            for (Map.Entry<String, Map<String, byte[]>> v : zipVariants(TorchZips.entries(zip)).entrySet()) {
                files++;
                compare(zip.getFileName() + " " + v.getKey(), LaneTargets.zipBytes(v.getValue()),
                        failures);
            }
            Path legacy = Fixtures.TORCH.resolve(f + ".legacy.pt");
            for (Map.Entry<String, byte[]> v : legacyVariants(Files.readAllBytes(legacy)).entrySet()) {
                files++;
                compare(legacy.getFileName() + " " + v.getKey(), v.getValue(), failures);
            }
        }
        System.out.println("StateDictLane broken storages: " + files + " files");
        if (!failures.isEmpty()) {
            fail(failures.size() + " files open differently with the lane on:\n"
                    + String.join("\n", failures.subList(0, Math.min(5, failures.size()))));
        }
    }

    private static void compare(String label, byte[] file, List<String> failures) {
        String name = label.substring(0, label.indexOf(' '));
        LaneOutcomes.Outcome off = LaneOutcomes.open(file, name, OPTIONS, false);
        LaneOutcomes.Outcome on = LaneOutcomes.open(file, name, OPTIONS, true);
        boolean refused = off.text().startsWith("refused");
        // What the variants must mean, so that a slip in making them cannot leave the comparison empty.
        if ((label.endsWith(" byteorder little") && refused)
                || (label.contains(" without ") && label.contains("/data/") && !refused)) {
            failures.add(label + ": unexpected " + off.text().lines().findFirst().orElse(""));
        }
        if (!off.text().equals(on.text())) {
            failures.add(label + "\n" + LaneOutcomes.firstDifference(off.text(), on.text()));
        }
    }

    /** The zip's records with one thing changed, by what was changed. */
    static Map<String, Map<String, byte[]>> zipVariants(Map<String, byte[]> records) {
        Map<String, Map<String, byte[]>> out = new LinkedHashMap<>();
        String root = records.keySet().iterator().next();
        root = root.substring(0, root.indexOf('/') + 1);
        for (String name : records.keySet()) {
            if (!name.startsWith(root + "data/")) {
                continue;
            }
            byte[] data = records.get(name);
            out.put("without " + name, without(records, name));
            out.put(name + " a byte longer", with(records, name, Arrays.copyOf(data, data.length + 1)));
            if (data.length > 0) {
                out.put(name + " a byte shorter", with(records, name, Arrays.copyOf(data, data.length - 1)));
                out.put(name + " empty", with(records, name, new byte[0]));
            }
        }
        for (String order : List.of("big", "little", "middle")) {
            out.put("byteorder " + order, with(records, root + "byteorder", ascii(order)));
        }
        out.put("an extra record data/999", with(records, root + "data/999", new byte[16]));
        out.put("version 2", with(records, root + "version", ascii("2\n")));
        out.put("version 11", with(records, root + "version", ascii("11\n")));
        out.put("without version", without(records, root + "version"));
        return out;
    }

    /**
     * A legacy file with one thing changed: its storage key list (pickle 5) mutated, the file cut
     * short in the key list or the storage section, a byte of the storage section changed (the first
     * element count among them), a byte appended.
     */
    static Map<String, byte[]> legacyVariants(byte[] file) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        int start = 0;
        for (int k = 0; k < 4; k++) {
            start = PickleOps.walk(file, start).getLast().end();
        }
        int keysEnd = PickleOps.walk(file, start).getLast().end();
        byte[] keys = Arrays.copyOfRange(file, start, keysEnd);
        SplittableRandom random = new SplittableRandom(SEED ^ file.length);
        for (int i = 0; i < 30; i++) {
            StateDictLaneMutationTest.Mutant m = StateDictLaneMutationTest.mutate(keys, random.split());
            out.put("key list " + m.steps(), StateDictLaneMutationTest.splice(file, start, keys.length, m.pickle()));
        }
        for (int i = 0; i < 12; i++) {
            int cut = start + (int) ((long) (file.length - start) * i / 12);
            out.put("cut at " + cut, Arrays.copyOf(file, cut));
        }
        out.put("cut a byte short", Arrays.copyOf(file, file.length - 1));
        out.put("a byte appended", Arrays.copyOf(file, file.length + 1));
        for (int at = keysEnd; at < keysEnd + 8 && at < file.length; at++) {
            byte[] b = file.clone();
            b[at] ^= 1;
            out.put("first element count byte " + (at - keysEnd) + " flipped", b);
        }
        for (int i = 0; i < 10 && keysEnd < file.length; i++) {
            byte[] b = file.clone();
            int at = keysEnd + random.nextInt(file.length - keysEnd);
            b[at] = (byte) random.nextInt(256);
            out.put("storage byte " + at + " replaced", b);
        }
        return out;
    }

    private static Map<String, byte[]> with(Map<String, byte[]> records, String name, byte[] data) {
        Map<String, byte[]> m = new LinkedHashMap<>(records);
        m.put(name, data);
        return m;
    }

    private static Map<String, byte[]> without(Map<String, byte[]> records, String name) {
        Map<String, byte[]> m = new LinkedHashMap<>(records);
        m.remove(name);
        return m;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
