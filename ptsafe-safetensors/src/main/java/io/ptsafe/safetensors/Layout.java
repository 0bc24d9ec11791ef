package io.ptsafe.safetensors;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where every byte of one safetensors file goes, decided before anything is written: the header
 * bytes (padded with spaces to a multiple of 8, as the reference pads them) and each tensor's
 * offsets, tensors packed with no holes in the reference's order.
 */
final class Layout {
    /** The reference refuses to write or read a header longer than this. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    /** One tensor to write under a name (which may differ from {@link Tensor#name()}). */
    record Entry(String name, byte[] nameUtf8, Tensor tensor) {
        long[] shape() {
            return tensor.shape();
        }

        String safetensorsName() {
            return tensor.dtype().safetensorsName().orElseThrow();
        }
    }

    private final List<Entry> entries;
    private final long[] begins;
    private final long[] ends;
    private final byte[] header;
    private final long fileSize;

    private Layout(List<Entry> entries, long[] begins, long[] ends, byte[] header, long fileSize) {
        this.entries = entries;
        this.begins = begins;
        this.ends = ends;
        this.header = header;
        this.fileSize = fileSize;
    }

    /**
     * Checks every name, dtype and size and lays the tensors out.
     *
     * @param target the file being written, for messages
     */
    static Layout plan(List<Map.Entry<String, Tensor>> tensors, Map<String, String> metadata, Path target)
            throws PtsafeException {
        List<Entry> entries = new ArrayList<>(tensors.size());
        Set<String> seen = new HashSet<>();
        for (Map.Entry<String, Tensor> t : tensors) {
            String name = t.getKey();
            Tensor tensor = t.getValue();
            checkName(name, target);
            if (!seen.add(name)) {
                throw cannot(target, "tensor name '" + name + "' is given twice");
            }
            checkDtype(name, tensor.dtype(), target);
            entries.add(new Entry(name, utf8(name, "tensor name", target), tensor));
        }
        for (Map.Entry<String, String> m : metadata.entrySet()) {
            utf8(m.getKey(), "metadata key", target);
            utf8(m.getValue(), "metadata value of '" + m.getKey() + "'", target);
        }
        entries.sort(ReferenceOrder.LAYOUT);
        long[] begins = new long[entries.size()];
        long[] ends = new long[entries.size()];
        long offset = 0;
        for (int i = 0; i < entries.size(); i++) {
            Tensor tensor = entries.get(i).tensor();
            begins[i] = offset;
            try {
                offset = Math.addExact(offset, tensor.byteSize());
            } catch (ArithmeticException e) {
                throw new PtsafeException(Reason.VALIDATION_OVERFLOW, target, "the tensors' bytes add up past 2^63");
            }
            ends[i] = offset;
        }
        String json = HeaderJson.of(metadata, List.copyOf(entries), begins, ends);
        byte[] raw = json.getBytes(StandardCharsets.UTF_8);
        int padded = (raw.length + 7) & ~7;
        if (raw.length > MAX_HEADER_BYTES || padded > MAX_HEADER_BYTES) {
            throw cannot(target, "the header would be " + raw.length + " bytes, over the " + MAX_HEADER_BYTES
                    + " bytes safetensors readers accept (too many tensors or too much metadata for one file;"
                    + " write shards)");
        }
        byte[] header = new byte[8 + padded];
        ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        System.arraycopy(raw, 0, header, 8, raw.length);
        for (int i = 8 + raw.length; i < header.length; i++) {
            header[i] = ' ';
        }
        long size;
        try {
            size = Math.addExact(header.length, offset);
        } catch (ArithmeticException e) {
            throw new PtsafeException(Reason.VALIDATION_OVERFLOW, target, "the file would be over 2^63 bytes");
        }
        return new Layout(List.copyOf(entries), begins, ends, header, size);
    }

    /** Entries in layout (file) order. */
    List<Entry> entries() {
        return entries;
    }

    long begin(int i) {
        return begins[i];
    }

    long end(int i) {
        return ends[i];
    }

    /** The 8-byte length, the header JSON and its padding. A copy. */
    byte[] header() {
        return header.clone();
    }

    int headerLength() {
        return header.length;
    }

    /** Bytes of tensor data. */
    long dataBytes() {
        return fileSize - header.length;
    }

    /** Bytes of the whole file. */
    long fileSize() {
        return fileSize;
    }

    private static void checkName(String name, Path target) throws PtsafeException {
        if (name.isEmpty()) {
            throw cannot(target, "a tensor has an empty name; safetensors files need a name for every tensor");
        }
        if (name.equals("__metadata__")) {
            throw cannot(target, "a tensor is named '__metadata__', the key safetensors reserves for metadata");
        }
    }

    private static void checkDtype(String name, DType dtype, Path target) throws PtsafeException {
        if (dtype.safetensorsName().isEmpty()) {
            String why = switch (dtype) {
                case C128 -> "complex128 has no safetensors dtype (the format stops at C64; ptsafe prints C128 but"
                        + " does not write it, as no reader would accept the file)";
                case C32 -> "complex32 has no safetensors dtype";
                default -> "quantized torch dtypes have no safetensors dtype (dequantize before converting)";
            };
            throw cannot(target, "tensor '" + name + "' is " + dtype + ": " + why);
        }
    }

    /** The UTF-8 bytes of a string, refusing unpaired surrogates (which have no UTF-8 form). */
    private static byte[] utf8(String s, String what, Path target) throws PtsafeException {
        try {
            ByteBuffer b = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(s));
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (CharacterCodingException e) {
            throw cannot(target, what + " '" + s + "' holds an unpaired UTF-16 surrogate,"
                    + " which UTF-8 JSON cannot carry");
        }
    }

    static PtsafeException cannot(Path target, String message) {
        return new PtsafeException(Reason.CANNOT_WRITE, target, message);
    }
}
