package io.ptsafe.spark;

import java.io.Serial;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * The driver's Hadoop configuration (file system settings and credentials providers) carried to
 * the executors, which open remote files with it. It travels as a plain map of its entries (Spark
 * ships it with the tasks, it never comes from a scanned file) and is rebuilt once per executor
 * object: no custom Java deserialization in this module.
 */
final class HadoopConf implements Serializable {
    @Serial
    private static final long serialVersionUID = 2L;
    private final HashMap<String, String> entries = new HashMap<>();
    private transient Configuration conf;

    HadoopConf(Configuration conf) {
        for (Map.Entry<String, String> e : conf) {
            entries.put(e.getKey(), e.getValue());
        }
        this.conf = conf;
    }

    synchronized Configuration get() {
        if (conf == null) {
            Configuration c = new Configuration(false);
            entries.forEach(c::set);
            conf = c;
        }
        return conf;
    }
}
