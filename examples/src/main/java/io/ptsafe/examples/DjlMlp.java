package io.ptsafe.examples;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Example 4: run a PyTorch-trained model in Java with DJL, its weights loaded through ptsafe.
 *
 * <pre>
 *   DjlMlp MODEL.pt INPUT.json EXPECTED.json
 * </pre>
 *
 * The model is {@code samples/mlp.pt}: the state dict of {@code nn.Sequential(nn.Linear(4, 8),
 * nn.ReLU(), nn.Linear(8, 3))} ({@code 0.weight [8,4]}, {@code 0.bias [8]}, {@code 2.weight [3,8]},
 * {@code 2.bias [3]}), saved by torch. INPUT.json and EXPECTED.json hold an input batch and torch's
 * output for it ({@code {"shape": [..], "data": [[..], ..]}}). The forward pass
 * {@code relu(x W0^T + b0) W2^T + b2} runs with DJL's PyTorch engine, and each output is compared with
 * torch's to a relative tolerance of {@value #RELATIVE_TOLERANCE}.
 *
 * <h2>Zero-copy: DJL's PyTorch engine wraps a direct ByteBuffer</h2>
 * {@link #toNDArray} hands DJL {@link Tensor#asByteBuffer()}: for a contiguous little-endian tensor
 * (every tensor torch saves from a plain state dict) that is a direct buffer over the file's memory
 * mapping. For a direct {@code ByteBuffer} on the CPU, DJL 0.36's {@code PtNDManager.create(Buffer,
 * Shape, DataType)} does not copy: it calls {@code torch::from_blob} on the buffer's address
 * ({@code JniUtils.createNdFromByteBuffer}, native {@code torchFromBlob}) and the {@code PtNDArray}
 * keeps a reference to the buffer. So the weights stay in the page cache, shared with every other
 * process mapping the file, and libtorch reads them there. (A heap buffer, or a non-CPU device, is
 * copied.) {@code DjlMlpTest} checks both claims: a write to a direct buffer is seen by the NDArray
 * made from it, and so is a write to the model file on disk.
 *
 * <p>What that implies:
 * <ul>
 *   <li>Close the {@link NDManager} (and so every NDArray over the file) before the {@link TensorFile}:
 *       closing the file unmaps the memory libtorch would read. Arrays computed from the weights
 *       ({@code matMul} results ...) are new libtorch memory and need no care.</li>
 *   <li>The mapping is read-only, and libtorch does not know it: an in-place operation
 *       ({@code addi}, {@code muli} ..., or an optimizer step) on a wrapped weight would crash the JVM
 *       with a segmentation fault. For training, or to outlive the file, call {@code duplicate()} to
 *       get a copy libtorch owns.</li>
 *   <li>libtorch reads memory in native byte order; {@link Tensor#data()} is little-endian, which is
 *       native on x86-64 and aarch64, the platforms of DJL's native jars.</li>
 * </ul>
 *
 * <h2>Offline</h2>
 * libtorch comes from the {@code ai.djl.pytorch:pytorch-native-cpu} jar and DJL's JNI library from
 * {@code ai.djl.pytorch:pytorch-jni}, both on the class path; DJL extracts them once into
 * {@code DJL_CACHE_DIR} (system property or environment variable; default {@code ~/.djl.ai}).
 * {@code ai.djl.offline=true}, set here unless given, makes DJL fail instead of downloading anything.
 */
public final class DjlMlp {
    /** Largest relative difference accepted between DJL's output and torch's. */
    public static final double RELATIVE_TOLERANCE = 1e-5;

    private DjlMlp() {
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** The program without {@code System.exit}: 0 when the output matches torch's, 1 when not or on error, 2 on bad usage. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 3) {
            err.println("usage: DjlMlp MODEL.pt INPUT.json EXPECTED.json");
            return 2;
        }
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        try {
            Batch input = Batch.read(Path.of(args[1]));
            Batch expected = Batch.read(Path.of(args[2]));
            Batch output = forward(Path.of(args[0]), input, out);
            out.println("DJL output " + output);
            out.println("torch      " + expected);
            double error = maxRelativeError(output, expected);
            out.printf(Locale.ROOT, "max relative difference %.3g (tolerance %.0e)%n", error, RELATIVE_TOLERANCE);
            if (!(error <= RELATIVE_TOLERANCE)) {
                err.println("DJL's output differs from torch's beyond the tolerance");
                return 1;
            }
            out.println("match");
            return 0;
        } catch (PtsafeException e) {
            err.println("refused (" + e.reason() + "): " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("failed: " + e);
            return 1;
        }
    }

    /**
     * Loads the four parameters of {@code model} into NDArrays without copying them and computes
     * {@code relu(x W0^T + b0) W2^T + b2} for {@code input}; prints where each parameter came from.
     */
    public static Batch forward(Path model, Batch input, PrintStream out) throws IOException {
        // Declared in this order so the manager (and every NDArray over the mapping) closes before the file.
        try (TensorFile file = SafeLoader.open(model); NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            out.println(model + ": " + file.format() + ", engine " + manager.getEngine().getEngineName() + " "
                    + manager.getEngine().getVersion());
            NDArray w0 = parameter(file, "0.weight", manager, out);
            NDArray b0 = parameter(file, "0.bias", manager, out);
            NDArray w2 = parameter(file, "2.weight", manager, out);
            NDArray b2 = parameter(file, "2.bias", manager, out);

            NDArray x = manager.create(input.values(), new Shape(input.shape()));
            NDArray hidden = x.matMul(w0.transpose()).add(b0);
            NDArray y = hidden.maximum(0f).matMul(w2.transpose()).add(b2);
            return new Batch(y.getShape().getShape(), y.toFloatArray());
        }
    }

    private static NDArray parameter(TensorFile file, String name, NDManager manager, PrintStream out) throws PtsafeException {
        Tensor t = file.tensor(name);
        NDArray a = toNDArray(t, manager);
        out.printf(Locale.ROOT, "  %-8s %s%-7s %s%n", name, t.dtype(), Arrays.toString(t.shape()),
                t.isView() ? "copied once by ptsafe (a strided or byte-swapped view), then wrapped by DJL"
                        : "wrapped by DJL over the file mapping (no copy)");
        return a;
    }

    /**
     * An NDArray over the tensor's bytes: zero-copy when the tensor is contiguous little-endian
     * ({@link Tensor#isView()} false), else over the one copy ptsafe makes into the file's arena. The
     * array is valid while the file is open; never modify it in place (see the class comment).
     */
    public static NDArray toNDArray(Tensor t, NDManager manager) throws PtsafeException {
        DataType type = DataType.fromSafetensors(t.dtype().safetensorsName().orElseThrow(
                () -> new IllegalArgumentException(t.name() + ": " + t.dtype() + " has no DJL data type")));
        ByteBuffer data = t.asByteBuffer();
        return manager.create(data, new Shape(t.shape()), type);
    }

    /** Largest {@code |a - b| / |b|} over the elements; infinite when the shapes differ. */
    static double maxRelativeError(Batch actual, Batch expected) {
        if (!Arrays.equals(actual.shape(), expected.shape())) {
            return Double.POSITIVE_INFINITY;
        }
        double max = 0;
        for (int i = 0; i < expected.values().length; i++) {
            double a = actual.values()[i];
            double b = expected.values()[i];
            double rel = a == b ? 0 : Math.abs(a - b) / Math.abs(b);
            max = Math.max(max, Double.isNaN(rel) ? Double.POSITIVE_INFINITY : rel);
        }
        return max;
    }

    /**
     * A float32 batch as the sample JSON files hold it: {@code "shape"} and {@code "data"} (nested
     * lists, row-major); other fields are ignored.
     */
    public record Batch(long[] shape, float[] values) {
        public Batch {
            shape = shape.clone();
            values = values.clone();
            if (Arrays.stream(shape).reduce(1, Math::multiplyExact) != values.length) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + values.length + " values");
            }
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public float[] values() {
            return values.clone();
        }

        static Batch read(Path json) throws IOException {
            List<Long> shape = new ArrayList<>();
            List<Float> data = new ArrayList<>();
            try (JsonParser p = new JsonFactory().createParser(Files.readAllBytes(json))) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new IOException(json + ": not a JSON object");
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    switch (field) {
                        case "shape" -> readNumbers(p, json, v -> shape.add(v.longValue()));
                        // Each number is a float32 widened to double: the cast gives it back exactly.
                        case "data" -> readNumbers(p, json, v -> data.add(v.floatValue()));
                        default -> p.skipChildren();
                    }
                }
            }
            float[] values = new float[data.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = data.get(i);
            }
            return new Batch(shape.stream().mapToLong(Long::longValue).toArray(), values);
        }

        /** The numbers of a possibly nested array, in order. */
        private static void readNumbers(JsonParser p, Path json, java.util.function.Consumer<Double> sink) throws IOException {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw new IOException(json + ": '" + p.currentName() + "' is not an array");
            }
            int depth = 0;
            do {
                JsonToken t = p.currentToken();
                if (t == JsonToken.START_ARRAY) {
                    depth++;
                } else if (t == JsonToken.END_ARRAY) {
                    depth--;
                } else if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                    sink.accept(p.getDoubleValue());
                } else {
                    throw new IOException(json + ": unexpected " + t + " in a number array");
                }
                if (depth > 0) {
                    p.nextToken();
                }
            } while (depth > 0);
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder(Arrays.toString(shape)).append(' ');
            int row = shape.length == 0 ? 1 : (int) shape[shape.length - 1];
            for (int i = 0; i < values.length; i++) {
                sb.append(i % row == 0 ? (i == 0 ? "[[" : "], [") : ", ");
                sb.append(String.format(Locale.ROOT, "%.7f", values[i]));
            }
            return sb.append(values.length > 0 ? "]]" : "[]").toString();
        }
    }
}
