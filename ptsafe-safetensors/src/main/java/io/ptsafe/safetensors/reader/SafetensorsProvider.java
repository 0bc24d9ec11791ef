package io.ptsafe.safetensors.reader;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.TensorFile;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.FormatProvider;
import io.ptsafe.spi.MappedFiles;
import java.io.IOException;
import java.lang.foreign.Arena;

/**
 * Reads safetensors files: memory-mapped once, validated strictly, tensors as zero-copy slices of the
 * mapping in header order. See {@link SafetensorsReader} for the rules and their order,
 * {@link HeaderParser} for where ptsafe is stricter than the reference, and
 * {@link JsonReader#unsignedLong(String)} for numbers.
 *
 * <p>Recognition, from the probe's bytes only: after the 8-byte header length, optional JSON whitespace,
 * then '{'. No number in the file is trusted until opening validates it.
 */
public final class SafetensorsProvider implements FormatProvider {

    /** For {@link java.util.ServiceLoader}. */
    public SafetensorsProvider() {
    }

    @Override
    public String name() {
        return "safetensors";
    }

    @Override
    public boolean recognizes(FileProbe probe) {
        if (probe.isDirectory()) {
            return false;
        }
        byte[] head = probe.head();
        int i = SafetensorsReader.LENGTH_BYTES;
        while (i < head.length && isJsonWhitespace(head[i])) {
            i++;
        }
        return i < head.length && head[i] == '{';
    }

    @Override
    public TensorFile open(FileProbe probe, LoadOptions options) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            return SafetensorsReader.read(probe.path(), MappedFiles.map(probe.path(), arena), arena, options);
        } catch (InternalError e) {
            // a fault on mapped memory: the file shrank after it was mapped
            arena.close();
            throw new PtsafeException(Reason.FILE_CHANGED, probe.path(), "the file changed while being read ("
                    + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    static boolean isJsonWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }
}
