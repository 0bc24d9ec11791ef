package io.ptsafe.spark;

import java.util.List;
import java.util.Set;
import org.apache.spark.sql.connector.catalog.SupportsRead;
import org.apache.spark.sql.connector.catalog.TableCapability;
import org.apache.spark.sql.connector.read.ScanBuilder;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/** The files under some paths, as rows of one mode; read-only, batch only. */
final class PtsafeTable implements SupportsRead {
    private final ScanSettings settings;
    private final List<String> paths;

    PtsafeTable(ScanSettings settings, List<String> paths) {
        this.settings = settings;
        this.paths = List.copyOf(paths);
    }

    @Override
    public String name() {
        return "ptsafe " + settings.mode.name().toLowerCase(java.util.Locale.ROOT) + " " + paths;
    }

    @Override
    public StructType schema() {
        return Schemas.of(settings.mode);
    }

    @Override
    public Set<TableCapability> capabilities() {
        return Set.of(TableCapability.BATCH_READ);
    }

    @Override
    public ScanBuilder newScanBuilder(CaseInsensitiveStringMap options) {
        return () -> new PtsafeScan(settings, paths);
    }
}
