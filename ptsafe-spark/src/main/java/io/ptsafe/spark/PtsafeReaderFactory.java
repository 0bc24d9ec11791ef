package io.ptsafe.spark;

import java.io.Serial;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;

/** Makes, on an executor, the reader of one partition: its files scanned one after the other. */
final class PtsafeReaderFactory implements PartitionReaderFactory {
    @Serial
    private static final long serialVersionUID = 1L;
    private final ScanSettings settings;
    private final HadoopConf conf;

    PtsafeReaderFactory(ScanSettings settings, HadoopConf conf) {
        this.settings = settings;
        this.conf = conf;
    }

    @Override
    public PartitionReader<InternalRow> createReader(InputPartition partition) {
        Iterator<FileTask> files = ((PtsafePartition) partition).files().iterator();
        FileScan scan = new FileScan(settings, conf.get());
        return new PartitionReader<>() {
            private final Deque<InternalRow> pending = new ArrayDeque<>();
            private InternalRow current;

            @Override
            public boolean next() {
                while (pending.isEmpty() && files.hasNext()) {
                    pending.addAll(scan.rows(files.next()));
                }
                current = pending.poll();
                return current != null;
            }

            @Override
            public InternalRow get() {
                return current;
            }

            @Override
            public void close() {
                pending.clear();
            }
        };
    }
}
