package io.ptsafe.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.connector.read.InputPartition;

/** The files one task scans. */
record PtsafePartition(ArrayList<FileTask> files) implements InputPartition {
    PtsafePartition(List<FileTask> files) {
        this(new ArrayList<>(files));
    }
}
