package io.ptsafe.bench;

import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** What "open" means in every open benchmark: parse, validate, index, look one tensor up, close. */
final class Opening {
    private Opening() {
    }

    static long open(Path file, String lastName) throws IOException {
        try (TensorFile f = SafeLoader.open(file)) {
            List<Tensor> tensors = f.tensors();
            Tensor last = f.tensor(lastName);
            return tensors.size() + last.numel();
        }
    }

    /** The name of the last tensor in file order, looked up by every open. */
    static String lastName(Path file) throws IOException {
        try (TensorFile f = SafeLoader.open(file)) {
            List<Tensor> t = f.tensors();
            return t.get(t.size() - 1).name();
        }
    }
}
