package io.ptsafe.examples;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.NoSuchElementException;

/**
 * Example 1: open a safetensors file, list its tensors, and read one into a {@code float[]}.
 *
 * <pre>
 *   ReadTensor FILE [TENSOR]
 * </pre>
 *
 * Reads TENSOR, or the first F32, F16 or BF16 tensor when none is named. F32 is copied as it is; F16,
 * BF16 and the F8 types are widened to float. The same code reads a torch checkpoint: the format
 * comes from the file's bytes, not its name.
 *
 * <p>The {@code float[]} is a copy on the heap, so it outlives the file: {@link TensorFile#close()}
 * unmaps the file, after which {@link Tensor#data()} would throw.
 */
public final class ReadTensor {
    private ReadTensor() {
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** The program without {@code System.exit}: 0 when read, 1 when the file is refused, 2 on bad usage. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length < 1 || args.length > 2) {
            err.println("usage: ReadTensor FILE [TENSOR]");
            return 2;
        }
        try {
            float[] values = readFloats(Path.of(args[0]), args.length == 2 ? args[1] : null, out);
            out.println(summary(values));
            return 0;
        } catch (PtsafeException e) {
            err.println("refused (" + e.reason() + "): " + e.getMessage());
            return 1;
        } catch (NoSuchElementException | UnsupportedOperationException e) {
            err.println("cannot read: " + e.getMessage()); // no such tensor, or one that does not widen to float
            return 1;
        } catch (IOException e) {
            err.println("cannot read " + args[0] + ": " + e);
            return 1;
        }
    }

    /**
     * Opens {@code file}, prints its tensors to {@code out}, and returns tensor {@code name} (or the
     * first F32, F16 or BF16 tensor when {@code name} is null) as floats.
     */
    public static float[] readFloats(Path file, String name, PrintStream out) throws IOException {
        try (TensorFile f = SafeLoader.open(file)) {
            out.println(file + ": " + f.format() + ", " + f.tensors().size() + " tensors");
            for (Tensor t : f.tensors()) {
                out.printf(Locale.ROOT, "  %-24s %-8s %-14s %,d bytes%n", t.name(), t.dtype(),
                        Arrays.toString(t.shape()), t.byteSize());
            }
            Tensor t = name != null ? f.tensor(name) : firstFloatingPoint(f);
            float[] values = t.toFloatArray();
            out.println("read " + t.name() + " " + t.dtype() + Arrays.toString(t.shape()) + " into float["
                    + values.length + "]");
            return values;
        }
    }

    private static Tensor firstFloatingPoint(TensorFile f) {
        for (Tensor t : f.tensors()) {
            if (t.dtype() == DType.F32 || t.dtype() == DType.F16 || t.dtype() == DType.BF16) {
                return t;
            }
        }
        throw new NoSuchElementException(f.path() + ": no F32, F16 or BF16 tensor in the file");
    }

    /** The first values, and min, max and mean over all. */
    static String summary(float[] v) {
        StringBuilder sb = new StringBuilder("  values:");
        for (int i = 0; i < Math.min(v.length, 8); i++) {
            sb.append(' ').append(v[i]);
        }
        if (v.length > 8) {
            sb.append(" ...");
        }
        if (v.length > 0) {
            float min = Float.POSITIVE_INFINITY;
            float max = Float.NEGATIVE_INFINITY;
            double sum = 0;
            for (float x : v) {
                min = Math.min(min, x);
                max = Math.max(max, x);
                sum += x;
            }
            sb.append(String.format(Locale.ROOT, "%n  min %s, max %s, mean %s", min, max, sum / v.length));
        }
        return sb.toString();
    }
}
