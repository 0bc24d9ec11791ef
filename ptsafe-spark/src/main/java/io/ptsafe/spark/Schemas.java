package io.ptsafe.spark;

import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The rows' columns; the module's README describes each. */
final class Schemas {
    /** Where a finding is, as in {@code ptsafe scan --json}: null where unknown. */
    static final StructType LOCATION = new StructType()
            .add("entry", DataTypes.StringType, true)
            .add("entryOffset", DataTypes.LongType, true)
            .add("fileOffset", DataTypes.LongType, true);

    /** One finding, with the field names of {@code ptsafe scan --json} ({@code level} is its severity). */
    static final StructType FINDING = new StructType()
            .add("ruleId", DataTypes.StringType, false)
            .add("rule", DataTypes.StringType, false)
            .add("level", DataTypes.StringType, false)
            .add("effect", DataTypes.StringType, false)
            .add("message", DataTypes.StringType, false)
            .add("location", LOCATION, false);

    /** {@code mode=files}: one row per file scanned or skipped. */
    static final StructType FILES = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("file", DataTypes.StringType, false)
            .add("fileSize", DataTypes.LongType, true)
            .add("fileSha256", DataTypes.StringType, true)
            .add("container", DataTypes.StringType, true)
            .add("verdict", DataTypes.StringType, true)
            .add("complete", DataTypes.BooleanType, true)
            .add("findings", new ArrayType(FINDING, false), false)
            .add("omittedFindings", DataTypes.LongType, false)
            .add("tensorCount", DataTypes.LongType, true)
            .add("tensorBytes", DataTypes.LongType, true)
            .add("skippedReason", DataTypes.StringType, true)
            .add("ptsafeVersion", DataTypes.StringType, false);

    /** {@code mode=tensors}: one row per tensor of every SAFE file. */
    static final StructType TENSORS = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("file", DataTypes.StringType, false)
            .add("name", DataTypes.StringType, false)
            .add("dtype", DataTypes.StringType, false)
            .add("shape", new ArrayType(DataTypes.LongType, false), false)
            .add("bytes", DataTypes.LongType, false)
            .add("sha256", DataTypes.StringType, true);

    private Schemas() {
    }

    static StructType of(Mode mode) {
        return mode == Mode.FILES ? FILES : TENSORS;
    }
}
