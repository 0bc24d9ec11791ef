package io.ptsafe.examples;

import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.safetensors.ConversionReport;
import io.ptsafe.safetensors.SafetensorsConverter;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * Example 2: convert a torch checkpoint ({@code .pt}, {@code .bin}, zip or legacy) to safetensors,
 * then check the result independently of the converter.
 *
 * <pre>
 *   ConvertToSafetensors SOURCE TARGET.safetensors
 * </pre>
 *
 * {@link SafetensorsConverter} already reads its output back before renaming it into place; this
 * example checks again the way a user of the converted file would: it reopens both files with
 * {@link SafeLoader} and compares every tensor's dtype, shape and bytes. A source tensor missing from
 * the output must be an alias the converter recorded (tied weights: the very same bytes as a kept
 * tensor). A checkpoint that would run code is refused when opened, and nothing is written.
 */
public final class ConvertToSafetensors {
    private ConvertToSafetensors() {
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** The program without {@code System.exit}: 0 when converted and verified, 1 when refused or different, 2 on bad usage. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 2) {
            err.println("usage: ConvertToSafetensors SOURCE TARGET.safetensors");
            return 2;
        }
        Path source = Path.of(args[0]);
        Path target = Path.of(args[1]);
        try {
            ConversionReport report = SafetensorsConverter.convertFile(source, target);
            out.print(report.toTable());
            long bytes = verify(source, target, report.aliases());
            out.printf("verified: %d tensors, %,d bytes identical to %s%n", report.tensors().size(), bytes, source);
            return 0;
        } catch (PtsafeException e) {
            err.println("refused (" + e.reason() + "): " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("conversion failed: " + e);
            return 1;
        }
    }

    /**
     * Checks that every tensor of {@code source} is in {@code target} (under its own name, or under
     * the kept name of its alias) with the same dtype, shape and bytes; returns the bytes compared.
     *
     * @throws VerificationException at the first difference
     */
    public static long verify(Path source, Path target, Map<String, String> aliases) throws IOException {
        try (TensorFile src = SafeLoader.open(source); TensorFile dst = SafeLoader.open(target)) {
            // The converter unwraps a top-level "state_dict" dict, as the reference converter does.
            String prefix = src.root() instanceof io.ptsafe.PyValue.Dict d && d.get("state_dict") != null ? "state_dict." : "";
            long compared = 0;
            int found = 0;
            for (Tensor s : src.tensors()) {
                if (!s.name().startsWith(prefix)) {
                    continue;
                }
                String name = s.name().substring(prefix.length());
                String kept = aliases.getOrDefault(name, name);
                Optional<Tensor> d = dst.findTensor(kept);
                if (d.isEmpty()) {
                    throw new VerificationException(target + " has no tensor '" + kept + "' for " + source + "'s '" + s.name() + "'");
                }
                Tensor t = d.get();
                if (s.dtype() != t.dtype() || !Arrays.equals(s.shape(), t.shape())) {
                    throw new VerificationException("'" + name + "' is " + s.dtype() + Arrays.toString(s.shape()) + " in "
                            + source + " but " + t.dtype() + Arrays.toString(t.shape()) + " in " + target);
                }
                // data(): contiguous little-endian bytes, whatever the source's strides and byte order.
                long at = MemorySegment.mismatch(s.data(), 0, s.byteSize(), t.data(), 0, t.byteSize());
                if (at >= 0) {
                    throw new VerificationException("'" + name + "' differs at byte " + at + " between " + source + " and " + target);
                }
                if (kept.equals(name)) {
                    found++;
                }
                compared += s.byteSize();
            }
            if (found != dst.tensors().size()) {
                throw new VerificationException(target + " has " + dst.tensors().size() + " tensors, " + found
                        + " of which come from " + source);
            }
            return compared;
        }
    }

    /** The converted file does not hold what the source holds. */
    public static final class VerificationException extends IOException {
        private static final long serialVersionUID = 1L;

        VerificationException(String message) {
            super(message);
        }
    }
}
