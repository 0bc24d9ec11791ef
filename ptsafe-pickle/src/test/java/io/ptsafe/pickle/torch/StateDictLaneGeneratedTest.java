package io.ptsafe.pickle.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ptsafe.LoadOptions;
import io.ptsafe.pickle.Fixtures;
import io.ptsafe.pickle.Json;
import io.ptsafe.pickle.TorchZips;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link StateDictLane} on state dicts too large to commit (more than 1,000 distinct tensors: SETITEMS
 * batches and the lone SETITEM after them, LONG_BINPUT everywhere, LONG_BINGET of a storage class and
 * of 'version' first named past memo index 255, a _metadata tail of hundreds of modules, views sharing
 * storages), written opcode for opcode as torch.save writes them by {@link TorchSaveWriter}, which is
 * first checked byte for byte against data.pkl files torch 1.13 wrote. Each opens the same with the
 * lane on and off; with {@code -Dptsafe.lane.expectTaken=true}, the lane must take each.
 */
class StateDictLaneGeneratedTest {
    static final LoadOptions OPTIONS = LoadOptions.defaults();

    /** The writer writes what torch 1.13 wrote for three of the lane's fixtures, byte for byte. */
    @Test
    void writerWritesWhatTorchWrote() throws Exception {
        check("sequential_batchnorm_metadata", true,
                List.of(Map.entry("", 1), Map.entry("0", 1), Map.entry("1", 2), Map.entry("2", 1), Map.entry("3", 1)));
        check("plain_dict", false, null);
        check("every_dtype", true, null);
    }

    private static void check(String fixture, boolean ordered, List<Map.Entry<String, Integer>> metadata)
            throws Exception {
        Path file = Fixtures.TORCH.resolve("lane/" + fixture + ".pt");
        List<TorchSaveWriter.Entry> entries = new ArrayList<>();
        for (Object o : Json.arr(Json.obj(Json.read(Fixtures.expectedOf(file))).get("tensors"))) {
            Map<String, Object> t = Json.obj(o);
            long[] shape = longs(t.get("shape"));
            long numel = 1;
            for (long d : shape) {
                numel *= d;
            }
            entries.add(new TorchSaveWriter.Entry((String) t.get("name"), storageClass((String) t.get("dtype")),
                    Integer.toString(entries.size()), numel, 0, shape, longs(t.get("strides"))));
        }
        byte[] torch = TorchZips.entries(file).get(fixture + "/data.pkl");
        assertArrayEquals(torch, TorchSaveWriter.stateDict(entries, ordered, metadata), fixture);
    }

    private static String storageClass(String dtype) {
        return switch (dtype) {
            case "F16" -> "HalfStorage";
            case "BF16" -> "BFloat16Storage";
            case "F32" -> "FloatStorage";
            case "F64" -> "DoubleStorage";
            case "I8" -> "CharStorage";
            case "U8" -> "ByteStorage";
            case "I16" -> "ShortStorage";
            case "I32" -> "IntStorage";
            case "I64" -> "LongStorage";
            case "BOOL" -> "BoolStorage";
            case "C64" -> "ComplexFloatStorage";
            case "C128" -> "ComplexDoubleStorage";
            default -> throw new IllegalArgumentException(dtype);
        };
    }

    private static long[] longs(Object json) {
        return Json.arr(json).stream().mapToLong(x -> ((Json.Num) x).asLong()).toArray();
    }

    /** 1,001 tensors: one full SETITEMS batch, then the lone SETITEM torch writes for the last item. */
    @Test
    void thousandAndOneTensors() throws Exception {
        compare("thousand_and_one", thousandAndOne(), true, null);
    }

    static List<TorchSaveWriter.Entry> thousandAndOne() {
        List<TorchSaveWriter.Entry> entries = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            entries.add(new TorchSaveWriter.Entry("layer." + i + ".weight", "FloatStorage", Integer.toString(i), 2, 0,
                    new long[] {2}, new long[] {1}));
        }
        return entries;
    }

    /**
     * A model of 500 blocks (2,490 entries): linear weights and biases, BatchNorm running stats and,
     * from block 10 on, an I64 num_batches_tracked (LongStorage first named past memo index 255, by
     * LONG_BINGET after), every tenth bias a view into its weight's storage, and the _metadata of
     * 1,001 modules (versions 1 and 2; 'version' interned past 255).
     */
    @Test
    void aLargeModel() throws Exception {
        List<Map.Entry<String, Integer>> metadata = new ArrayList<>();
        compare("large_model", largeModel(metadata), true, metadata);
    }

    /** The large model's entries; its _metadata is added to {@code metadata}. */
    static List<TorchSaveWriter.Entry> largeModel(List<Map.Entry<String, Integer>> metadata) {
        List<TorchSaveWriter.Entry> entries = new ArrayList<>();
        metadata.add(Map.entry("", 1));
        int storage = 0;
        for (int i = 0; i < 500; i++) {
            String w = Integer.toString(storage++);
            entries.add(new TorchSaveWriter.Entry("blocks." + i + ".fc.weight", "FloatStorage", w, 12, 0,
                    new long[] {3, 4}, new long[] {4, 1}));
            if (i % 10 == 9) {
                entries.add(new TorchSaveWriter.Entry("blocks." + i + ".fc.bias", "FloatStorage", w, 12, 8,
                        new long[] {3}, new long[] {1}));
            } else {
                entries.add(new TorchSaveWriter.Entry("blocks." + i + ".fc.bias", "FloatStorage",
                        Integer.toString(storage++), 3, 0, new long[] {3}, new long[] {1}));
            }
            entries.add(new TorchSaveWriter.Entry("blocks." + i + ".bn.running_mean", "FloatStorage",
                    Integer.toString(storage++), 3, 0, new long[] {3}, new long[] {1}));
            entries.add(new TorchSaveWriter.Entry("blocks." + i + ".bn.running_var", "FloatStorage",
                    Integer.toString(storage++), 3, 0, new long[] {3}, new long[] {1}));
            if (i >= 10) {   // from block 10 on: memo indices are past 255 by then
                entries.add(new TorchSaveWriter.Entry("blocks." + i + ".bn.num_batches_tracked", "LongStorage",
                        Integer.toString(storage++), 1, 0, new long[] {}, new long[] {}));
            }
            metadata.add(Map.entry("blocks." + i + ".fc", 1));
            metadata.add(Map.entry("blocks." + i + ".bn", 2));
        }
        return entries;
    }

    /** A zip checkpoint of the entries (F32 or I64 storages of distinct bytes), as java.util.zip writes it. */
    static byte[] checkpoint(List<TorchSaveWriter.Entry> entries, boolean ordered,
            List<Map.Entry<String, Integer>> metadata) throws java.io.IOException {
        Map<String, byte[]> records = new LinkedHashMap<>();
        records.put("archive/data.pkl", TorchSaveWriter.stateDict(entries, ordered, metadata));
        for (TorchSaveWriter.Entry e : entries) {
            byte[] data = new byte[(int) e.numel() * (e.storageClass().equals("LongStorage") ? 8 : 4)];
            for (int k = 0; k < data.length; k++) {
                data[k] = (byte) (records.size() * 31 + k);
            }
            records.putIfAbsent("archive/data/" + e.storageKey(), data);
        }
        records.put("archive/version", "3\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return LaneTargets.zipBytes(records);
    }

    private void compare(String name, List<TorchSaveWriter.Entry> entries, boolean ordered,
            List<Map.Entry<String, Integer>> metadata) throws Exception {
        byte[] file = checkpoint(entries, ordered, metadata);
        LaneOutcomes.Outcome off = LaneOutcomes.open(file, name + ".pt", OPTIONS, false);
        LaneOutcomes.Outcome on = LaneOutcomes.open(file, name + ".pt", OPTIONS, true);
        assertEquals(false, off.text().startsWith("refused") || off.text().startsWith("THREW"), off.text());
        assertEquals(off.text(), on.text(), () -> name + "\n"
                + LaneOutcomes.firstDifference(off.text(), on.text()));
        System.out.println("StateDictLane generated " + name + ": " + entries.size() + " tensors, lane took "
                + on.taken());
        if (Boolean.getBoolean("ptsafe.lane.expectTaken")) {
            assertEquals(1, on.taken(), name + ": the lane did not take it");
        }
    }
}
