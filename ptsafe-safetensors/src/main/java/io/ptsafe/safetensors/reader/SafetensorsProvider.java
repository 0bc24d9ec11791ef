package io.ptsafe.safetensors.reader;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.TensorFile;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.FormatProvider;
import io.ptsafe.spi.MappedFiles;
import java.io.IOException;

/**
 * Reads safetensors files: mapped once (one shared arena per file, closed with it), validated
 * strictly, tensors as zero-copy read-only slices of the mapping listed in header order (the order
 * of offsets is only used to validate them).
 *
 * <p>The reference's rules, in its order and with its reason names: {@code HEADER_TOO_SMALL},
 * {@code HEADER_TOO_LARGE} (over {@link LoadOptions#maxHeaderBytes()}, a {@link io.ptsafe.LimitExceededException}),
 * {@code INVALID_HEADER_LENGTH}, {@code INVALID_HEADER} (strict UTF-8), {@code INVALID_HEADER_DESERIALIZATION},
 * {@code INVALID_OFFSET}, {@code VALIDATION_OVERFLOW}, {@code MISALIGNED_SLICE}, {@code TENSOR_INVALID_INFO},
 * {@code METADATA_INCOMPLETE_BUFFER}. Accepted as the reference accepts them: JSON whitespace (space,
 * tab, CR, LF) before '{' and after '}' (NUL padding is refused), zero-size and 0-dim tensors,
 * unaligned data, tensors listed in any order.
 *
 * <p>Stricter than the reference:
 * <ul>
 *   <li>duplicate keys in any object: {@code DUPLICATE_KEY};
 *   <li>a tensor entry with a key other than dtype, shape and data_offsets, or without one of them:
 *       {@code INVALID_TENSOR_ENTRY};
 *   <li>{@code __metadata__} is always metadata and must be an object of strings ({@code null} too is
 *       refused): {@code INVALID_METADATA}; a tensor entry under that name: {@code INVALID_TENSOR_NAME};
 *   <li>dtype names outside the safetensors list (C32, C128, quantized types, other case):
 *       {@code UNKNOWN_DTYPE};
 *   <li>shape and offset numbers must be plain unsigned integers: negative (-0 included), fractional,
 *       exponent-form, or 2^64 and above: {@code INVALID_NUMBER}; from 2^63 to 2^64 - 1, legal for the
 *       reference but beyond any file and any Java long: {@code VALIDATION_OVERFLOW};
 *   <li>limits: {@link LoadOptions#maxTensors()} ({@code TOO_MANY_TENSORS}), {@link LoadOptions#maxRank()}
 *       ({@code TOO_MANY_DIMENSIONS}), {@link LoadOptions#maxJsonDepth()} ({@code HEADER_TOO_DEEP}),
 *       {@link LoadOptions#maxStringLength()} for every JSON string in UTF-16 units ({@code STRING_TOO_LONG}),
 *       numbers of at most 1000 characters, all checked before the JSON parser allocates anything; and
 *       {@link LoadOptions#maxContainerItems()} for the entries of {@code __metadata__} ({@code INVALID_METADATA}).
 * </ul>
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
    public ContainerKind container(FileProbe probe) {
        return ContainerKind.SAFETENSORS;
    }

    @Override
    public boolean recognizes(FileProbe probe) {
        if (probe.isDirectory()) {
            return false;
        }
        int n = probe.headLength();
        int i = SafetensorsReader.LENGTH_BYTES;
        while (i < n && isJsonWhitespace(probe.headByte(i))) {
            i++;
        }
        return i < n && probe.headByte(i) == '{';
    }

    /**
     * Maps the file ({@link MappedFiles#open}) and reads it, its length and header read into an array with
     * the mapping (see {@link #headerPrefix}); a scan is this open ({@link FormatProvider#scan}).
     */
    @Override
    public TensorFile open(FileProbe probe, LoadOptions options) throws IOException {
        return MappedFiles.open(probe, headerPrefix(probe, options),
                (file, arena, prefix) -> SafetensorsReader.read(probe.path(), file, arena, options, prefix));
    }

    /**
     * How many leading bytes to read with the mapping: the 8 of the length and the N of the header that
     * bytes 0-7 of the probe give, when the fast path would copy such a header anyway (N within
     * {@link LoadOptions#maxHeaderBytes()}, {@link CanonicalHeader#MAX_BYTES} and the file as probed); else
     * 0, and the header is read from the mapping. Checked before anything is allocated from it; the length
     * is read again, and checked, from what is read ({@link SafetensorsReader#headerLength}).
     */
    static int headerPrefix(FileProbe probe, LoadOptions options) {
        if (probe.headLength() < SafetensorsReader.LENGTH_BYTES) {
            return 0;
        }
        long n = 0;
        for (int i = SafetensorsReader.LENGTH_BYTES - 1; i >= 0; i--) {
            n = n << 8 | (probe.headByte(i) & 0xFF);
        }
        if (n < 0 || n > CanonicalHeader.MAX_BYTES || n > options.maxHeaderBytes()
                || n > probe.size() - SafetensorsReader.LENGTH_BYTES) {
            return 0;
        }
        return SafetensorsReader.LENGTH_BYTES + (int) n;
    }

    static boolean isJsonWhitespace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == '\r';
    }
}
