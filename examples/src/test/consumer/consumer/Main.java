package consumer;

import io.ptsafe.SafeLoader;
import io.ptsafe.Slice;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.TensorFileClosedException;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.LongStream;

/**
 * A consumer of the built ptsafe jars, compiled and run by ConsumerProjectTest on the module path
 * and on the class path. Reads slice.pt (written by torch 1.13) and checks ptsafe's slice of "t"
 * against torch's own t[1:3, :, 0:2].
 */
public final class Main {
    public static void main(String[] args) throws IOException {
        Tensor kept;
        try (TensorFile file = SafeLoader.open(Path.of(args[0]))) {
            System.out.println("keys " + file.keys());
            long floats = file.tensors().stream()
                    .filter(t -> t.dtype().isFloatingPoint())
                    .map(Tensor::toFloatArray)
                    .mapToLong(a -> a.length)
                    .sum();
            Tensor t = file.tensor("t");
            Tensor mine = t.slice(Slice.range(1, 3), Slice.all(), Slice.range(0, 2));
            byte[] torch = file.tensor("s").data().toArray(ValueLayout.JAVA_BYTE);
            check(Arrays.equals(torch, mine.data().toArray(ValueLayout.JAVA_BYTE)), "slice differs from torch's t[1:3, :, 0:2]");
            check(Arrays.equals(torch, file.tensor("view").data().toArray(ValueLayout.JAVA_BYTE)), "torch's view differs");
            check(Arrays.equals(LongStream.range(0, 12).toArray(), file.tensor("steps").toLongArray()), "steps differ");
            check(!file.contains("missing") && file.findTensor("missing").isEmpty(), "a missing tensor was found");
            System.out.println("slice " + Arrays.toString(mine.shape()) + " view " + mine.isView()
                    + " matches torch; " + floats + " floats read");
            kept = mine;
        }
        try {
            kept.data();
            check(false, "read after close");
        } catch (TensorFileClosedException e) {
            System.out.println("closed: " + e.getMessage().contains("used after the file was closed"));
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }
}
