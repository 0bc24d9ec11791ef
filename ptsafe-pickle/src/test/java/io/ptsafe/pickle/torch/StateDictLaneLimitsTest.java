package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.pickle.Fixtures;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@link StateDictLane} keeps every limit: for each limit the pickle and its tensors are held to, and
 * each of several state dicts (zip and legacy), the smallest setting at which the file still opens is
 * found with the lane off (and for two large generated dicts of distinct tensors); then the file is opened with the lane on and off at that setting, one
 * below it, one above it, half of it, and 1: the same refusal (the same limit, value and message) or
 * the same file each time.
 */
class StateDictLaneLimitsTest {
    static final List<Limit> LIMITS = List.of(Limit.MAX_TENSORS, Limit.MAX_RANK, Limit.MAX_STRING_LENGTH,
            Limit.MAX_PICKLE_BYTES, Limit.MAX_PICKLE_OPCODES, Limit.MAX_STACK_SIZE, Limit.MAX_NESTING_DEPTH,
            Limit.MAX_MEMO_ENTRIES, Limit.MAX_PICKLE_STRING_BYTES, Limit.MAX_CONTAINER_ITEMS, Limit.MAX_INT_BYTES,
            Limit.MAX_DECODED_BYTES);

    static final List<String> FIXTURES = List.of("lane/plain_dict", "lane/sequential_batchnorm_metadata",
            "lane/many_entries", "lane/views_offset_strides", "lane/unicode_and_long_keys", "lane/large_dims",
            "lane/every_dtype", "real/linear");

    /** What large dicts of distinct tensors reach: SETITEMS batches, the memo, the stack, the budget. */
    static final List<Limit> LARGE = List.of(Limit.MAX_TENSORS, Limit.MAX_PICKLE_OPCODES, Limit.MAX_STACK_SIZE,
            Limit.MAX_MEMO_ENTRIES, Limit.MAX_CONTAINER_ITEMS, Limit.MAX_DECODED_BYTES);

    @Test
    void limitsRefuseTheSameWithTheLaneOnAndOff() throws Exception {
        List<String> failures = new ArrayList<>();
        int opens = 0;
        for (String f : FIXTURES) {
            for (String suffix : List.of(".pt", ".legacy.pt")) {
                opens += compareAround(f.substring(f.indexOf('/') + 1) + suffix,
                        Files.readAllBytes(Fixtures.TORCH.resolve(f + suffix)), LIMITS, failures);
            }
        }
        opens += compareAround("thousand_and_one.pt",
                StateDictLaneGeneratedTest.checkpoint(StateDictLaneGeneratedTest.thousandAndOne(), true, null), LARGE,
                failures);
        List<Map.Entry<String, Integer>> metadata = new ArrayList<>();
        opens += compareAround("large_model.pt",
                StateDictLaneGeneratedTest.checkpoint(StateDictLaneGeneratedTest.largeModel(metadata), true, metadata),
                List.of(Limit.MAX_STACK_SIZE, Limit.MAX_MEMO_ENTRIES), failures);
        System.out.println("StateDictLane limits: " + opens + " opens compared");
        if (!failures.isEmpty()) {
            List<String> all = failures.stream().map(x -> x.substring(0, x.indexOf('\n'))).toList();
            fail(failures.size() + " limit settings differ with the lane on:\n"
                    + String.join("\n", failures.subList(0, Math.min(5, failures.size()))) + "\nall:\n  "
                    + String.join("\n  ", all));
        }
    }

    /** Lane on vs off around each limit's threshold for this file; returns the opens made. */
    private static int compareAround(String name, byte[] file, List<Limit> limits, List<String> failures) {
        int opens = 0;
        for (Limit limit : limits) {
            long threshold = threshold(file, name, limit);
            TreeSet<Long> settings = new TreeSet<>(List.of(1L, threshold, threshold + 1, limit.defaultValue()));
            settings.add(Math.max(1, threshold - 1));
            settings.add(Math.max(1, threshold / 2));
            for (long v : settings) {
                LoadOptions o = LoadOptions.builder().limit(limit, v).build();
                LaneOutcomes.Outcome off = LaneOutcomes.open(file, name, o, false);
                LaneOutcomes.Outcome on = LaneOutcomes.open(file, name, o, true);
                opens += 2;
                if (!off.text().equals(on.text())) {
                    failures.add(name + " " + limit + " = " + v + " (opens from " + threshold + ")\n"
                            + LaneOutcomes.firstDifference(off.text(), on.text()));
                }
            }
        }
        return opens;
    }

    /** The smallest setting of {@code limit} at which the file opens with the lane off (limits are monotone). */
    static long threshold(byte[] file, String name, Limit limit) {
        long hi = limit.defaultValue();
        assertTrue(opens(file, name, limit, hi), () -> name + " does not open at the default " + limit);
        long lo = 1;
        if (opens(file, name, limit, lo)) {
            return lo;
        }
        while (hi - lo > 1) {   // lo refuses, hi opens
            long mid = lo + (hi - lo) / 2;
            if (opens(file, name, limit, mid)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        long below = lo;
        String refused = LaneOutcomes.open(file, name, LoadOptions.builder().limit(limit, below).build(), false).text();
        assertTrue(refused.startsWith("refused"), () -> name + " " + limit + " = " + below + ": " + refused);
        return hi;
    }

    private static boolean opens(byte[] file, String name, Limit limit, long v) {
        String text = LaneOutcomes.open(file, name, LoadOptions.builder().limit(limit, v).build(), false).text();
        assertEquals(false, text.startsWith("THREW"), text);
        return !text.startsWith("refused");
    }
}
