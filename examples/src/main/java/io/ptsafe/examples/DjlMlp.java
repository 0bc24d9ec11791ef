package io.ptsafe.examples;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ptsafe.PtsafeException;
import io.ptsafe.djl.DjlOptions;
import io.ptsafe.djl.LoadReport;
import io.ptsafe.djl.StateDicts;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Example 4: run a PyTorch-trained model in Java with DJL, its state dict loaded by ptsafe-djl.
 *
 * <pre>
 *   DjlMlp MODEL.pt INPUT.json EXPECTED.json
 * </pre>
 *
 * The model is {@code samples/mlp.pt}: the state dict of {@code nn.Sequential(nn.Linear(4, 8),
 * nn.ReLU(), nn.Linear(8, 3))} ({@code 0.weight [8,4]}, {@code 0.bias [8]}, {@code 2.weight [3,8]},
 * {@code 2.bias [3]}), saved by torch. INPUT.json and EXPECTED.json hold an input batch and torch's
 * output for it ({@code {"shape": [..], "data": [[..], ..]}}). The same network is built from DJL
 * blocks, {@link StateDicts#initialize} fills it from the file in one call (torch's {@code 0.weight} is
 * DJL's {@code 01Linear_weight}; a missing, unexpected or mismatched tensor would be refused, all at
 * once), DJL's PyTorch engine runs the forward pass, and each output is compared with torch's to a
 * relative tolerance of {@value #RELATIVE_TOLERANCE}.
 *
 * <p>The parameters are copies in libtorch's memory (ptsafe-djl's default): the file is closed when
 * {@code initialize} returns, and training or in-place operations on the block are safe. (This
 * example used to wrap the file's read-only mapping by hand, and an in-place op on a weight crashed
 * the JVM; ptsafe-djl's {@code Memory.READ_ONLY_VIEW} offers that zero-copy mode, documented with what
 * it forbids.)
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
            err.println("failed: " + e.getMessage());
            return 1;
        }
    }

    /** {@code nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))} as DJL blocks. */
    public static SequentialBlock block() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(8).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(3).build());
    }

    /**
     * Builds the MLP, loads {@code model} into it with ptsafe-djl and runs it on {@code input};
     * prints which DJL parameter each tensor of the file filled.
     */
    public static Batch forward(Path model, Batch input, PrintStream out) throws IOException {
        SequentialBlock mlp = block();
        try (Model djl = Model.newInstance("mlp", "PyTorch")) {
            LoadReport report = StateDicts.initialize(djl, mlp, model, DjlOptions.defaults(), new Shape(input.shape()));
            out.println(model + ": engine " + djl.getNDManager().getEngine().getEngineName() + " "
                    + djl.getNDManager().getEngine().getVersion() + ", " + report.loaded().size() + " tensors loaded");
            StateDicts.names(mlp).forEach((path, name) -> out.printf(Locale.ROOT, "  %-8s -> %s%n", name, path));
            NDManager manager = djl.getNDManager();
            NDArray x = manager.create(input.values(), new Shape(input.shape()));
            NDArray y = mlp.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
            return new Batch(y.getShape().getShape(), y.toFloatArray());
        }
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
