package io.ptsafe.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Where benchmark inputs live, and the inputs that Java can make itself.
 *
 * <p>The folder is the system property {@code ptsafe.bench.data}, else {@code ptsafe-bench/target/bench-data}
 * when run from the repository root, else {@code target/bench-data}. safetensors inputs are written
 * here on first use ({@link SafetensorsFiles}); torch inputs come from {@code scripts/make_bench_data.py},
 * except open-10.pt and open-10-legacy.pt, which ship in the jar so the smoke run needs no torch.
 */
final class BenchData {
    static final String MAKE_PT = "/usr/bin/python3 ptsafe-bench/scripts/make_bench_data.py";

    private BenchData() {
    }

    static Path dir() {
        String p = System.getProperty("ptsafe.bench.data");
        Path d;
        if (p != null && !p.isBlank()) {
            d = Path.of(p);
        } else if (Files.isDirectory(Path.of("ptsafe-bench"))) {
            d = Path.of("ptsafe-bench", "target", "bench-data");
        } else {
            d = Path.of("target", "bench-data");
        }
        try {
            return Files.createDirectories(d.toAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the benchmark data folder " + d, e);
        }
    }

    /**
     * A torch checkpoint written by make_bench_data.py. A missing file is an error that says how to
     * make it, not an obscure failure later.
     */
    static Path torchFile(String name) {
        Path f = dir().resolve(name);
        if (Files.isRegularFile(f)) {
            return f;
        }
        if (name.equals("open-10.pt") || name.equals("open-10-legacy.pt")) {
            try (InputStream in = BenchData.class.getResourceAsStream(name)) {
                if (in != null) {
                    Files.copy(in, f, StandardCopyOption.REPLACE_EXISTING);
                    return f;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot copy the bundled " + name + " to " + f, e);
            }
        }
        throw new IllegalStateException("benchmark input " + f + " is missing. Make it with Debian's torch: "
                + MAKE_PT + " --out " + dir() + "  (or pass -p tensors=10 / -p source=open-10.pt to use the bundled file)");
    }
}
