package io.ptsafe;

import io.ptsafe.spi.FileProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * Names the provider module a file needs when no installed provider recognised it: a few byte
 * checks, cheap and loose on purpose (the provider, once added, decides). Only for messages: a file
 * these checks match is refused all the same.
 */
final class MissingProviders {
    static final String PICKLE = "io.ptsafe:ptsafe-pickle (module io.ptsafe.pickle)";
    static final String SAFETENSORS = "io.ptsafe:ptsafe-safetensors (module io.ptsafe.safetensors)";

    private static final byte[] NPY_MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private MissingProviders() {
    }

    /** The refusal naming the artifact to add, or null when the bytes look like no format ptsafe reads. */
    static PtsafeException refusal(FileProbe probe) {
        String what;
        String artifact;
        byte[] h = probe.head();
        if (probe.isDirectory()) {
            if (!Files.isRegularFile(probe.path().resolve("model.safetensors.index.json"))
                    && !Files.isRegularFile(probe.path().resolve("pytorch_model.bin.index.json"))) {
                return null;
            }
            what = "a folder holding a sharded checkpoint index";
            artifact = SAFETENSORS;
        } else if (probe.startsWith((byte) 'P', (byte) 'K', (byte) 3, (byte) 4)) {
            what = "a zip archive, as torch.save writes";
            artifact = PICKLE;
        } else if (probe.startsWith(NPY_MAGIC)) {
            what = "a numpy array file (" + Containers.npyDescription(h) + ")";
            artifact = PICKLE;
        } else if (h.length >= 2 && (h[0] & 0xff) == 0x80 && h[1] >= 2 && h[1] <= 5) {
            // PROTO 2..5: torch's legacy format starts with the pickled magic number (protocol 2).
            what = "a pickle (protocol " + h[1] + "), as torch's legacy format writes";
            artifact = PICKLE;
        } else if (looksLikeSafetensors(probe, h)) {
            what = "a safetensors file";
            artifact = SAFETENSORS;
        } else if (firstNonBlank(h, 0) == '{' && new String(h, StandardCharsets.ISO_8859_1).contains("\"weight_map\"")) {
            what = "a sharded checkpoint index";
            artifact = SAFETENSORS;
        } else {
            return null;
        }
        return new PtsafeException(Reason.MISSING_PROVIDER, probe.path(), "looks like " + what + " (first bytes "
                + probe.headHex(16) + "), but no provider on the class or module path reads it: add " + artifact);
    }

    /** An 8-byte little-endian header length that fits the file, then '{' after optional blanks. */
    private static boolean looksLikeSafetensors(FileProbe probe, byte[] h) {
        if (h.length < 9) {
            return false;
        }
        long n = 0;
        for (int i = 7; i >= 0; i--) {
            n = n << 8 | (h[i] & 0xff);
        }
        return n >= 2 && n <= probe.size() - 8 && firstNonBlank(h, 8) == '{';
    }

    private static int firstNonBlank(byte[] h, int from) {
        for (int i = from; i < h.length; i++) {
            if (h[i] != ' ' && h[i] != '\t' && h[i] != '\n' && h[i] != '\r') {
                return h[i];
            }
        }
        return -1;
    }
}
