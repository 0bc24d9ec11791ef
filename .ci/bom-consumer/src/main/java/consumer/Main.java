package consumer;

import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import java.nio.file.Path;

/** Opens the file it is given with the modules the BOM resolved, and prints its tensor names. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        try (TensorFile file = SafeLoader.open(Path.of(args[0]))) {
            System.out.println(file.keys());
        }
    }
}
