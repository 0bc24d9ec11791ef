package io.ptsafe.spark;

import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.connector.read.Batch;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.connector.read.Scan;
import org.apache.spark.sql.types.StructType;
import org.apache.hadoop.conf.Configuration;

/** Lists the files on the driver (once) and hands them to the executors in balanced partitions. */
final class PtsafeScan implements Scan, Batch {
    private final ScanSettings settings;
    private final List<String> paths;
    private final HadoopConf conf;
    private InputPartition[] partitions;

    PtsafeScan(ScanSettings settings, List<String> paths) {
        this.settings = settings;
        this.paths = paths;
        this.conf = new HadoopConf(new Configuration(SparkSession.active().sparkContext().hadoopConfiguration()));
    }

    @Override
    public StructType readSchema() {
        return Schemas.of(settings.mode);
    }

    @Override
    public String description() {
        return "ptsafe " + settings.mode.name().toLowerCase(java.util.Locale.ROOT) + " " + paths;
    }

    @Override
    public Batch toBatch() {
        return this;
    }

    @Override
    public synchronized InputPartition[] planInputPartitions() {
        if (partitions == null) {
            int max = settings.maxPartitions > 0 ? settings.maxPartitions
                    : Math.max(1, 4 * SparkSession.active().sparkContext().defaultParallelism());
            partitions = Partitions.balance(Listing.of(paths, conf.get()), max).stream()
                    .map(PtsafePartition::new).toArray(InputPartition[]::new);
        }
        return partitions.clone();
    }

    @Override
    public PartitionReaderFactory createReaderFactory() {
        return new PtsafeReaderFactory(settings, conf);
    }
}
