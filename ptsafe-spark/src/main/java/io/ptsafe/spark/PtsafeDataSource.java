package io.ptsafe.spark;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.connector.catalog.Table;
import org.apache.spark.sql.connector.catalog.TableProvider;
import org.apache.spark.sql.connector.expressions.Transform;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.util.CaseInsensitiveStringMap;

/**
 * The Spark data source {@code ptsafe}: scans model files on any Hadoop file system without
 * loading them, one row per file ({@code mode=files}, the verdict and findings of {@code ptsafe scan})
 * or per tensor of every SAFE file ({@code mode=tensors}, the hashes of {@code ptsafe inspect --hash}).
 *
 * <pre>{@code
 * Dataset<Row> files = spark.read().format("ptsafe").option("mode", "files").load("hdfs:///models");
 * files.groupBy("verdict").count().show();
 * }</pre>
 *
 * The options (limits, scan policy, the remote copy cap, partitioning) are described in the
 * module's README; an unknown option is refused.
 */
public final class PtsafeDataSource implements TableProvider, DataSourceRegister {
    /** The name for {@code spark.read().format(...)}. */
    public static final String SHORT_NAME = "ptsafe";

    /** Made by Spark, which finds the data source through {@code META-INF/services}. */
    public PtsafeDataSource() {
    }

    @Override
    public String shortName() {
        return SHORT_NAME;
    }

    @Override
    public StructType inferSchema(CaseInsensitiveStringMap options) {
        return Schemas.of(ScanSettings.of(options).mode);
    }

    @Override
    public Table getTable(StructType schema, Transform[] partitioning, Map<String, String> properties) {
        return new PtsafeTable(ScanSettings.of(properties), paths(properties));
    }

    /** The paths given to {@code load}: Spark passes one as {@code path}, several as a JSON array {@code paths}. */
    static List<String> paths(Map<String, String> properties) {
        List<String> paths = new ArrayList<>();
        properties.forEach((k, v) -> {
            if (k.equalsIgnoreCase("path")) {
                paths.add(v);
            }
        });
        properties.forEach((k, v) -> {
            if (k.equalsIgnoreCase("paths")) {
                paths.addAll(jsonStrings(v));
            }
        });
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("the ptsafe data source needs paths to scan: "
                    + "spark.read().format(\"ptsafe\").load(\"hdfs:///models\", ...)");
        }
        return paths;
    }

    private static List<String> jsonStrings(String json) {
        List<String> out = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IllegalArgumentException("option paths: not a JSON array of strings: " + json);
            }
            for (JsonToken t; (t = p.nextToken()) != JsonToken.END_ARRAY; ) {
                if (t != JsonToken.VALUE_STRING) {
                    throw new IllegalArgumentException("option paths: not a JSON array of strings: " + json);
                }
                out.add(p.getText());
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("option paths: not a JSON array of strings: " + json, e);
        }
        return out;
    }
}
