package io.ptsafe.spark;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Splits the files into input partitions: one per file while they are at most {@code max};
 * beyond, {@code max} partitions balanced by bytes (largest file first into the lightest
 * partition), each file also costing {@link #OPEN_COST} so that many small files spread as evenly
 * as a few large ones (the idea of Spark's {@code spark.sql.files.openCostInBytes}).
 */
final class Partitions {
    /** What opening a file costs, in bytes read: 4 MiB, Spark's default open cost. */
    static final long OPEN_COST = 4L << 20;

    private Partitions() {
    }

    static List<List<FileTask>> balance(List<FileTask> tasks, int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max partitions must be positive: " + max);
        }
        List<List<FileTask>> parts = new ArrayList<>();
        if (tasks.size() <= max) {
            tasks.forEach(t -> parts.add(List.of(t)));
            return parts;
        }
        record Bin(int index, long load) {
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingLong((Integer i) -> tasks.get(i).size()).reversed()
                .thenComparing(Comparator.naturalOrder()));
        PriorityQueue<Bin> bins = new PriorityQueue<>(Comparator.comparingLong(Bin::load).thenComparingInt(Bin::index));
        List<List<Integer>> members = new ArrayList<>();
        for (int b = 0; b < max; b++) {
            bins.add(new Bin(b, 0));
            members.add(new ArrayList<>());
        }
        for (int i : order) {
            Bin lightest = bins.poll();
            members.get(lightest.index()).add(i);
            bins.add(new Bin(lightest.index(), saturatedAdd(lightest.load(), saturatedAdd(Math.max(tasks.get(i).size(), 0),
                    OPEN_COST))));
        }
        for (List<Integer> m : members) {
            m.sort(null); // listing order within a partition
            parts.add(m.stream().map(tasks::get).toList());
        }
        return parts;
    }

    private static long saturatedAdd(long a, long b) {
        long s = a + b;
        return s < 0 ? Long.MAX_VALUE : s;
    }
}
