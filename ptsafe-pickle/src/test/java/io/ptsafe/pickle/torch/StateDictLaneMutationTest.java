package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ptsafe.LoadOptions;
import io.ptsafe.pickle.Fixtures;
import io.ptsafe.pickle.machine.Opcode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link StateDictLane} changes speed only, on broken input too: real state-dict pickles (zip
 * {@code data.pkl} and legacy object pickles of the lane's fixtures and two of real/) with random
 * mutations (a byte replaced, a bit flipped, a byte inserted or deleted, an opcode swapped for
 * another, a length or number field changed, a letter of a string changed, an opcode deleted or
 * repeated, the pickle cut short)
 * open, with the lane on and off, to the same refusal (class, reason, message) or the same file
 * ({@link LaneOutcomes}). Each mutant is put back into its file (a zip rewritten with the mutated
 * data.pkl, or the legacy stream with its object pickle replaced) and opened from memory through
 * {@link io.ptsafe.SafeLoader}, so both paths run the whole reader the lane is hooked into.
 *
 * <p>The seed is fixed ({@value #SEED}; {@code -Dptsafe.lane.seed=N} for another); every mutant is
 * made from its own random stream, split from the seed by target and index, and a failure prints the
 * seed, the target, the index, the mutations and the mutated pickle.
 */
class StateDictLaneMutationTest {
    static final long SEED = 20261203L;
    static final int MUTANTS_PER_TARGET = 90;
    static final LoadOptions OPTIONS = LoadOptions.defaults();

    /** The pickles mutated, each in zip and legacy form. */
    static final List<String> FIXTURES = List.of("lane/plain_dict", "lane/sequential_batchnorm_metadata",
            "lane/views_offset_strides", "lane/zero_dim_and_empty", "lane/every_dtype", "lane/large_dims",
            "lane/unicode_and_long_keys", "lane/tied_storage", "lane/same_tensor_two_keys", "lane/parameters",
            "lane/int_keys", "lane/nested_model_epoch", "lane/many_entries", "lane/state_dict_protocol1",
            "lane/state_dict_protocol4", "real/linear", "real/batchnorm2d");

    record Mutant(byte[] pickle, List<String> steps, int firstAt) {
    }

    @Test
    void mutatedStateDictsOpenTheSameWithTheLaneOnAndOff() throws IOException {
        long seed = Long.getLong("ptsafe.lane.seed", SEED);
        List<LaneTargets.Target> targets = new ArrayList<>();
        for (String f : FIXTURES) {
            targets.add(LaneTargets.zip(Fixtures.TORCH.resolve(f + ".pt")));
            targets.add(LaneTargets.legacy(Fixtures.TORCH.resolve(f + ".legacy.pt")));
        }
        List<String> failures = new ArrayList<>();
        int mutants = 0;
        int opened = 0;
        int taken = 0;
        for (int t = 0; t < targets.size(); t++) {
            LaneTargets.Target target = targets.get(t);
            // The target as it is, rebuilt: opens (the rebuilt file is a good one) and the same both ways.
            byte[] same = target.rebuild(target.pickle());
            LaneOutcomes.Outcome off0 = LaneOutcomes.open(same, target.name(), OPTIONS, false);
            assertTrue(!off0.text().startsWith("refused") && !off0.text().startsWith("THREW"),
                    () -> target.name() + " rebuilt does not open: " + off0.text());
            assertEquals(off0.text(), LaneOutcomes.open(same, target.name(), OPTIONS, true).text(), target.name());
            SplittableRandom perTarget = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (t + 1)));
            for (int i = 0; i < MUTANTS_PER_TARGET; i++) {
                SplittableRandom random = perTarget.split();
                Mutant m = mutate(target.pickle(), random);
                byte[] file = target.rebuild(m.pickle());
                String name = target.name();
                LaneOutcomes.Outcome off = LaneOutcomes.open(file, name, OPTIONS, false);
                LaneOutcomes.Outcome on = LaneOutcomes.open(file, name, OPTIONS, true);
                mutants++;
                opened += off.text().startsWith("refused") || off.text().startsWith("THREW") ? 0 : 1;
                taken += on.taken();
                if (off.taken() != 0 || !off.text().equals(on.text())) {
                    failures.add("seed " + seed + " target " + name + " mutant " + i + ": " + m.steps()
                            + "\n  mutated pickle " + shown(m) + "\n"
                            + LaneOutcomes.firstDifference(off.text(), on.text()));
                }
            }
        }
        System.out.printf("StateDictLane mutants: seed %d, %d mutants of %d pickles, %d still open, lane took %d%n",
                seed, mutants, targets.size(), opened, taken);
        if (!failures.isEmpty()) {
            fail(failures.size() + " mutants open differently with the lane on:\n"
                    + String.join("\n", failures.subList(0, Math.min(5, failures.size()))));
        }
    }

    /** One to three mutations (mostly one), each described for the failure message. */
    static Mutant mutate(byte[] original, SplittableRandom random) {
        byte[] b = original.clone();
        List<String> steps = new ArrayList<>();
        int n = random.nextInt(10) < 7 ? 1 : 2 + random.nextInt(2);
        int firstAt = -1;
        for (int k = 0; k < n; k++) {
            List<PickleOps.Op> ops = opsOrNull(b);
            int kind = random.nextInt(ops == null ? 5 : 11);
            int at;
            switch (kind) {
                case 0 -> {   // replace a byte
                    at = random.nextInt(b.length);
                    int v = random.nextInt(256);
                    steps.add(String.format("replace byte %d 0x%02x -> 0x%02x", at, b[at] & 0xff, v));
                    b[at] = (byte) v;
                }
                case 1 -> {   // flip a bit
                    at = random.nextInt(b.length);
                    int bit = random.nextInt(8);
                    steps.add("flip bit " + bit + " of byte " + at);
                    b[at] ^= (byte) (1 << bit);
                }
                case 2 -> {   // insert a byte, half the time an opcode byte
                    at = random.nextInt(b.length + 1);
                    int v = random.nextBoolean() ? randomOpcode(random) : random.nextInt(256);
                    steps.add(String.format("insert 0x%02x at %d", v, at));
                    b = splice(b, at, 0, new byte[] {(byte) v});
                }
                case 3 -> {   // delete a byte
                    at = random.nextInt(b.length);
                    steps.add(String.format("delete byte %d (0x%02x)", at, b[at] & 0xff));
                    b = splice(b, at, 1, new byte[0]);
                }
                case 4 -> {   // cut short
                    at = random.nextInt(b.length);
                    steps.add("truncate to " + at + " bytes");
                    b = Arrays.copyOf(b, at);
                }
                case 5, 6 -> {   // swap an opcode for another
                    PickleOps.Op op = ops.get(random.nextInt(ops.size()));
                    at = op.at();
                    int v = randomOpcode(random);
                    steps.add("opcode at " + at + " " + describe(op.code()) + " -> " + describe(v));
                    b[at] = (byte) v;
                }
                case 7, 8 -> {   // change a number or length field
                    List<PickleOps.Op> numbered = ops.stream().filter(o -> o.width() > 0).toList();
                    PickleOps.Op op = numbered.get(random.nextInt(numbered.size()));
                    at = op.numberAt();
                    long old = number(b, at, op.width());
                    long v = switch (random.nextInt(8)) {
                        case 0 -> old + 1;
                        case 1 -> old - 1;
                        case 2 -> 0;
                        case 3 -> -1;   // all bits set
                        case 4 -> 255;
                        case 5 -> 256;
                        case 6 -> 65536;
                        default -> random.nextLong();
                    };
                    steps.add("field of " + describe(op.code()) + " at " + at + " (" + op.width() + " bytes) " + old
                            + " -> " + v);
                    for (int k2 = 0; k2 < op.width(); k2++) {
                        b[at + k2] = (byte) (v >>> (8 * k2));
                    }
                }
                case 9 -> {   // change a character of a string (a key, a global's name) to another ASCII letter
                    List<PickleOps.Op> strings = ops.stream().filter(o -> PickleOps.prefixWidth(o.code()) > 0
                            && o.end() > o.numberAt() + o.width()).toList();
                    if (strings.isEmpty()) {
                        at = 0;
                        steps.add("no string to change");
                        break;
                    }
                    PickleOps.Op op = strings.get(random.nextInt(strings.size()));
                    int from = op.numberAt() + op.width();
                    at = from + random.nextInt(op.end() - from);
                    int v = 'a' + random.nextInt(26);
                    steps.add(String.format("string of %s: byte %d 0x%02x -> '%c'", describe(op.code()), at,
                            b[at] & 0xff, (char) v));
                    b[at] = (byte) v;
                }
                default -> {   // delete or repeat a whole opcode with its argument
                    PickleOps.Op op = ops.get(random.nextInt(ops.size()));
                    at = op.at();
                    byte[] whole = Arrays.copyOfRange(b, op.at(), op.end());
                    if (random.nextBoolean()) {
                        steps.add("delete op " + describe(op.code()) + " at " + at);
                        b = splice(b, op.at(), whole.length, new byte[0]);
                    } else {
                        steps.add("repeat op " + describe(op.code()) + " at " + at);
                        b = splice(b, op.end(), 0, whole);
                    }
                }
            }
            firstAt = firstAt < 0 ? at : firstAt;
            if (b.length == 0) {
                break;
            }
        }
        return new Mutant(b, steps, firstAt);
    }

    /** The ops of a pickle that still parses from its first byte to STOP, or null. */
    private static List<PickleOps.Op> opsOrNull(byte[] b) {
        try {
            List<PickleOps.Op> ops = PickleOps.walk(b, 0);
            return ops.getLast().end() <= b.length ? ops : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static int randomOpcode(SplittableRandom random) {
        Opcode[] all = Opcode.values();
        return all[random.nextInt(all.length)].code();
    }

    private static String describe(int code) {
        return Opcode.of(code).map(Opcode::describe).orElse(String.format("0x%02x", code));
    }

    private static long number(byte[] b, int at, int width) {
        long n = 0;
        for (int k = width - 1; k >= 0; k--) {
            n = (n << 8) | (b[at + k] & 0xff);
        }
        return n;
    }

    static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    /** The mutated pickle in hex: whole when small, else 96 bytes either side of the first mutation. */
    private static String shown(Mutant m) {
        byte[] b = m.pickle();
        if (b.length <= 2048) {
            return "(" + b.length + " bytes) " + HexFormat.of().formatHex(b);
        }
        int from = Math.max(0, m.firstAt() - 96);
        int to = Math.min(b.length, m.firstAt() + 96);
        return "(" + b.length + " bytes, " + from + ".." + to + ") " + HexFormat.of().formatHex(b, from, to);
    }
}
