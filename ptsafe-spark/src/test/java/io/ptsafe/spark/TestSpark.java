package io.ptsafe.spark;

import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;

/** One local SparkSession for every test class of the fork: starting one costs seconds. */
final class TestSpark {
    private static SparkSession session;

    private TestSpark() {
    }

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder().master("local[2]").appName("ptsafe-spark-test")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .getOrCreate();
            Runtime.getRuntime().addShutdownHook(new Thread(session::stop));
        }
        return session;
    }

    /** A folder of another module's test fixtures (read in place, never written). */
    static Path fixtures(String relative) {
        return Path.of("..").resolve(relative).toAbsolutePath().normalize();
    }
}
