package io.ptsafe.spark;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * The spark-submit job: scans every file under the input paths and writes both tables,
 * {@code OUTPUT/files} and {@code OUTPUT/tensors}, then prints how many files got each verdict.
 *
 * <pre>
 * spark-submit --class io.ptsafe.spark.ScanJob ptsafe-spark-VERSION-shaded.jar \
 *     [--format parquet|json] [--overwrite] [--option NAME=VALUE]... INPUT... OUTPUT
 * </pre>
 *
 * {@code --option} passes a data source option ({@code limit.maxTensors=5000000}, {@code crc=true},
 * {@code maxRemoteFileBytes=50GB} ...). The job fails only on a usage error or when Spark cannot
 * write the output; what the files hold is in the rows (exit code 0 whatever the verdicts).
 */
public final class ScanJob {
    static final String USAGE = "usage: ScanJob [--format parquet|json] [--overwrite] [--option NAME=VALUE]... "
            + "INPUT... OUTPUT";

    private ScanJob() {
    }

    /**
     * Runs the job in the active (or a new) SparkSession.
     *
     * @param args the command line; see the class comment
     */
    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder().appName("ptsafe-scan").getOrCreate();
        try {
            run(spark, args, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("ScanJob: " + e.getMessage());
            System.err.println(USAGE);
            spark.stop();
            System.exit(2);
            return;
        }
        spark.stop();
    }

    /**
     * Scans, writes both tables and prints the verdict counts.
     *
     * @return files per verdict (SAFE, UNSAFE, INVALID) and SKIPPED (found, not a model file)
     * @throws IllegalArgumentException on a usage error or a bad option
     */
    static Map<String, Long> run(SparkSession spark, String[] args, PrintStream out) {
        String format = "parquet";
        boolean overwrite = false;
        Map<String, String> options = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--format" -> {
                    format = value(args, ++i, a).toLowerCase(Locale.ROOT);
                    if (!format.equals("parquet") && !format.equals("json")) {
                        throw new IllegalArgumentException("--format: '" + format + "' is neither parquet nor json");
                    }
                }
                case "--overwrite" -> overwrite = true;
                case "--option" -> {
                    String kv = value(args, ++i, a);
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--option: '" + kv + "' is not NAME=VALUE");
                    }
                    String name = kv.substring(0, eq).strip();
                    if (name.equalsIgnoreCase(ScanSettings.MODE)) {
                        throw new IllegalArgumentException("--option: the job writes both modes; mode is not an option");
                    }
                    options.put(name, kv.substring(eq + 1));
                }
                default -> {
                    if (a.startsWith("--")) {
                        throw new IllegalArgumentException("unknown option " + a);
                    }
                    positional.add(a);
                }
            }
        }
        if (positional.size() < 2) {
            throw new IllegalArgumentException("give at least one input path and the output folder");
        }
        String output = positional.removeLast();
        String[] inputs = positional.toArray(String[]::new);
        ScanSettings.of(options); // refuses a bad option before any work
        SaveMode mode = overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists;
        String files = output + "/files";
        String tensors = output + "/tensors";
        reader(spark, options, "files").load(inputs).write().mode(mode).format(format).save(files);
        reader(spark, options, "tensors").load(inputs).write().mode(mode).format(format).save(tensors);

        // counted from the table written, not by scanning again
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String v : List.of("SAFE", "UNSAFE", "INVALID", "SKIPPED")) {
            counts.put(v, 0L);
        }
        for (Row r : spark.read().format(format).load(files).groupBy("verdict").count().collectAsList()) {
            counts.put(r.isNullAt(0) ? "SKIPPED" : r.getString(0), r.getLong(1));
        }
        long tensorRows = spark.read().format(format).load(tensors).count();
        out.printf(Locale.ROOT, "ptsafe %s: SAFE %d, UNSAFE %d, INVALID %d, skipped %d (not model files); %d tensors%n",
                Version.PTSAFE, counts.get("SAFE"), counts.get("UNSAFE"), counts.get("INVALID"), counts.get("SKIPPED"),
                tensorRows);
        out.println("files:   " + files);
        out.println("tensors: " + tensors);
        return counts;
    }

    private static DataFrameReader reader(SparkSession spark, Map<String, String> options, String mode) {
        return spark.read().format(PtsafeDataSource.SHORT_NAME).options(options).option(ScanSettings.MODE, mode);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }
}
