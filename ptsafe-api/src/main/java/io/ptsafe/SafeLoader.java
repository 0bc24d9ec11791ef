package io.ptsafe;

import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.FormatProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Opens model weight files without executing anything in them.
 *
 * <pre>{@code
 * try (TensorFile f = SafeLoader.open(Path.of("model.safetensors"))) {
 *     for (Tensor t : f.tensors()) {
 *         System.out.println(t.name() + " " + t.dtype() + " " + Arrays.toString(t.shape()));
 *     }
 *     float[] w = f.tensor("fc.weight").toFloatArray();
 * }
 * }</pre>
 *
 * <p>The format is decided from the file's bytes, never its name, among the formats whose provider
 * module is present ({@code ptsafe-safetensors}, {@code ptsafe-pickle}).
 */
public final class SafeLoader {
    private SafeLoader() {
    }

    /** Opens a file with the default {@link LoadOptions}. */
    public static TensorFile open(Path path) throws IOException {
        return open(path, LoadOptions.defaults());
    }

    /**
     * Opens a safetensors file, a torch checkpoint (zip or legacy), or a sharded checkpoint (its
     * index JSON, or a folder holding one).
     *
     * @throws PtsafeException when the file is refused; {@link PtsafeException#reason()} says why
     */
    public static TensorFile open(Path path, LoadOptions options) throws IOException {
        FileProbe probe = FileProbe.of(path);
        List<String> tried = new ArrayList<>();
        for (FormatProvider p : providers()) {
            tried.add(p.name());
            if (p.recognizes(probe)) {
                return p.open(probe, options);
            }
        }
        throw new PtsafeException(Reason.UNKNOWN_FORMAT, path, "not a format ptsafe reads (first bytes "
                + probe.headHex(16) + ", tried " + (tried.isEmpty() ? "no providers: add ptsafe-safetensors or ptsafe-pickle" : String.join(", ", tried)) + ")");
    }

    /** The providers found, highest priority first. */
    static List<FormatProvider> providers() {
        List<FormatProvider> list = new ArrayList<>();
        ServiceLoader.load(FormatProvider.class, SafeLoader.class.getClassLoader()).forEach(list::add);
        if (list.isEmpty()) {
            ServiceLoader.load(FormatProvider.class).forEach(list::add);
        }
        list.sort(Comparator.comparingInt(FormatProvider::priority).reversed().thenComparing(FormatProvider::name));
        return list;
    }
}
