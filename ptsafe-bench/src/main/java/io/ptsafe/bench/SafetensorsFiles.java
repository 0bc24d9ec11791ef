package io.ptsafe.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Writes the safetensors benchmark inputs byte by byte (8-byte header length, JSON header padded with
 * spaces to a multiple of 8, tensor bytes back to back), independent of ptsafe's own writer. Files are
 * deterministic and reused when already present with the expected size.
 */
final class SafetensorsFiles {
    /** Tensors of the read files hold this many elements (a 1024 x 1024 matrix), or fewer in tiny files. */
    static final int READ_TENSOR_ELEMENTS = 1 << 20;
    /** The parts of a transformer layer, as make_bench_data.py names them. */
    private static final String[] PARTS = {"attn.q.weight", "attn.k.weight", "attn.v.weight", "attn.o.weight",
            "mlp.up.weight", "mlp.down.weight", "norm1.weight", "norm2.weight"};

    record Spec(String name, String dtype, long[] shape, int elementBytes) {
        long bytes() {
            long n = elementBytes;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private SafetensorsFiles() {
    }

    /** open-N.safetensors: the tensors of open-N.pt (names, F32, shapes [8,8] or [8]). */
    static Path openFile(int tensors) {
        List<Spec> specs = new ArrayList<>(tensors);
        for (int i = 0; i < tensors; i++) {
            String part = PARTS[i % PARTS.length];
            long[] shape = part.startsWith("norm") ? new long[] {8} : new long[] {8, 8};
            specs.add(new Spec("model.layers." + i / PARTS.length + "." + part, "F32", shape, 4));
        }
        return write(BenchData.dir().resolve("open-" + tensors + ".safetensors"), specs, tensors);
    }

    /**
     * read-DTYPE-MIBm.safetensors: as many elements as {@code mib} MiB of F32, in tensors of
     * {@link #READ_TENSOR_ELEMENTS}, of dtype F32, BF16 or F16 (so every dtype has the same element count).
     */
    static Path readFile(String dtype, int mib) {
        long elements = (long) mib << 18; // mib MiB of 4-byte floats
        int bytes = dtype.equals("F32") ? 4 : 2;
        List<Spec> specs = new ArrayList<>();
        for (long done = 0; done < elements; done += READ_TENSOR_ELEMENTS) {
            long n = Math.min(READ_TENSOR_ELEMENTS, elements - done); // a multiple of 1024
            specs.add(new Spec("blocks." + specs.size() + ".weight", dtype, new long[] {n / 1024, 1024}, bytes));
        }
        return write(BenchData.dir().resolve("read-" + dtype + "-" + mib + "m.safetensors"), specs, mib * 31L + bytes);
    }

    /** A sparse file of {@code bytes} of F32 zeros in tensors of at most 1 GiB: only the header is written. */
    static Path sparseFile(Path file, long bytes) throws IOException {
        long tensorBytes = Math.min(1L << 30, bytes);
        List<Spec> specs = new ArrayList<>();
        for (long done = 0; done < bytes; done += tensorBytes) {
            long n = Math.min(tensorBytes, bytes - done) / 4;
            specs.add(new Spec("layer." + specs.size() + ".weight", "F32", new long[] {n / 1024, 1024}, 4));
        }
        byte[] header = header(specs);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.wrap(header));
            long total = header.length;
            for (Spec s : specs) {
                total += s.bytes();
            }
            // Extending by a one-byte write at the end leaves a hole: no data blocks, reads give zeros.
            ch.write(ByteBuffer.wrap(new byte[1]), total - 1);
        }
        return file;
    }

    private static Path write(Path file, List<Spec> specs, long seed) {
        byte[] header = header(specs);
        long size = header.length;
        for (Spec s : specs) {
            size += s.bytes();
        }
        try {
            if (Files.isRegularFile(file) && Files.size(file) == size) {
                return file;
            }
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, ByteBuffer.wrap(header));
                SplittableRandom rnd = new SplittableRandom(seed);
                ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                for (Spec s : specs) {
                    for (long left = s.bytes(); left > 0; left -= s.elementBytes()) {
                        if (buf.remaining() < 4) {
                            writeFully(ch, buf.flip());
                            buf.clear();
                        }
                        float v = (float) (rnd.nextDouble() * 2 - 1);
                        switch (s.dtype()) {
                            case "F32" -> buf.putFloat(v);
                            case "BF16" -> buf.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
                            case "F16" -> buf.putShort(Float.floatToFloat16(v));
                            default -> throw new IllegalArgumentException(s.dtype());
                        }
                    }
                }
                writeFully(ch, buf.flip());
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write benchmark input " + file, e);
        }
    }

    /** The 8-byte length and the JSON header, padded with spaces so the data starts at a multiple of 8. */
    static byte[] header(List<Spec> specs) {
        StringBuilder json = new StringBuilder("{");
        long offset = 0;
        for (Spec s : specs) {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append('"').append(s.name()).append("\":{\"dtype\":\"").append(s.dtype()).append("\",\"shape\":[");
            for (int i = 0; i < s.shape().length; i++) {
                json.append(i == 0 ? "" : ",").append(s.shape()[i]);
            }
            long end = offset + s.bytes();
            json.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        json.append('}');
        while (json.length() % 8 != 0) {
            json.append(' ');
        }
        byte[] text = json.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + text.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(text.length).put(text);
        return out.array();
    }

    /** Bytes before the tensor data: the 8-byte length plus the header it announces. */
    static long dataStart(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // read the 8 bytes
            }
            return 8 + b.flip().getLong();
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
