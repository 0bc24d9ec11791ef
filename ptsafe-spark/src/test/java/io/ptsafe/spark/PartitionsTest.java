package io.ptsafe.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class PartitionsTest {
    private static List<FileTask> files(long... sizes) {
        List<FileTask> l = new ArrayList<>();
        for (int i = 0; i < sizes.length; i++) {
            l.add(FileTask.scan("/m/" + i, true, false, sizes[i]));
        }
        return l;
    }

    @Test
    void onePartitionPerFileUpToTheMaximum() {
        List<List<FileTask>> parts = Partitions.balance(files(5, 1, 9), 3);
        assertEquals(3, parts.size());
        assertEquals(List.of("/m/0", "/m/1", "/m/2"), parts.stream().map(p -> p.getFirst().location()).toList());
    }

    @Test
    void beyondItBalancedByBytesEveryFileOnce() {
        long big = 100L << 20;
        List<FileTask> tasks = files(big, big, 1, 1, 1, 1, 1, 1, 1, big);
        List<List<FileTask>> parts = Partitions.balance(tasks, 4);
        assertEquals(4, parts.size());
        List<FileTask> all = parts.stream().flatMap(List::stream).toList();
        assertEquals(tasks.size(), all.size());
        assertEquals(new HashSet<>(tasks), new HashSet<>(all));
        // the three large files land in three partitions, the small ones fill the fourth
        assertTrue(parts.stream().allMatch(p -> p.stream().filter(t -> t.size() == big).count() <= 1));
        for (List<FileTask> p : parts) { // listing order kept inside a partition
            List<String> names = p.stream().map(FileTask::location).toList();
            assertEquals(names.stream().sorted().toList(), names);
        }
    }

    @Test
    void sizesNearTheLongRangeDoNotOverflow() {
        assertEquals(2, Partitions.balance(files(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE), 2).size());
    }
}
