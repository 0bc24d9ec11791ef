package io.ptsafe.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * DJL (PyTorch engine) as a peer: {@code NDList.decode} reads a safetensors stream into native
 * tensors. Runs offline: the native libraries come from the pytorch-native-cpu and pytorch-jni jars on
 * the class path, extracted once into {@code target/djl-cache}; {@code ai.djl.offline} forbids downloads.
 */
@State(Scope.Benchmark)
public class DjlPeer {
    private NDManager manager;

    @Setup(Level.Trial)
    public void setUp() {
        configureOffline();
        manager = NDManager.newBaseManager("PyTorch");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        manager.close();
    }

    /** Decodes the whole file into native tensors and frees them; returns the tensor count. */
    int decode(Path file) throws IOException {
        try (NDManager m = manager.newSubManager();
             InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return NDList.decode(m, in).size();
        }
    }

    /** Decodes the file, copies every tensor out as float[] and sums it with the shared loop. */
    float decodeAndSum(Path file) throws IOException {
        try (NDManager m = manager.newSubManager();
             InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            float s = 0;
            for (NDArray a : NDList.decode(m, in)) {
                float[] v = a.toFloatArray();
                s += Kernels.sum(v, v.length);
            }
            return s;
        }
    }

    static void configureOffline() {
        String cache = BenchData.dir().resolveSibling("djl-cache").toString();
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("DJL_CACHE_DIR", cache);
        System.setProperty("ENGINE_CACHE_DIR", cache);
        System.setProperty("ai.djl.default_engine", "PyTorch");
    }

    /** Engine name and version, for the record. */
    static String describe() {
        configureOffline();
        Engine e = Engine.getEngine("PyTorch");
        return e.getEngineName() + " " + e.getVersion();
    }
}
