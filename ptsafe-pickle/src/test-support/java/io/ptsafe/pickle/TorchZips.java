package io.ptsafe.pickle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** Zip archives for tests, written with java.util.zip: rewritten real fixtures, or hand-made checkpoints. */
public final class TorchZips {
    private TorchZips() {
    }

    /** The entries of a zip, by name, in order. */
    public static Map<String, byte[]> entries(Path zip) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(zip.toFile())) {
            Enumeration<? extends ZipEntry> e = z.entries();
            while (e.hasMoreElements()) {
                ZipEntry ze = e.nextElement();
                out.put(ze.getName(), z.getInputStream(ze).readAllBytes());
            }
        }
        return out;
    }

    /** Writes entries STORED (or DEFLATED when {@code deflate}); a name ending in "/" is a folder entry. */
    public static Path write(Path file, Map<String, byte[]> entries, boolean deflate) throws IOException {
        Files.write(file, bytes(entries, deflate));
        return file;
    }

    /** The zip {@link #write} writes, in memory. */
    public static byte[] bytes(Map<String, byte[]> entries, boolean deflate) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry ze = new ZipEntry(e.getKey());
                byte[] data = e.getValue();
                if (deflate) {
                    ze.setMethod(ZipEntry.DEFLATED);
                } else {
                    ze.setMethod(ZipEntry.STORED);
                    ze.setSize(data.length);
                    ze.setCompressedSize(data.length);
                    CRC32 crc = new CRC32();
                    crc.update(data);
                    ze.setCrc(crc.getValue());
                }
                out.putNextEntry(ze);
                out.write(data);
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    /** A checkpoint: {@code root/data.pkl}, {@code root/data/<key>} records and {@code root/version}. */
    public static Path checkpoint(Path file, byte[] dataPkl, Map<String, byte[]> storages) throws IOException {
        Map<String, byte[]> e = new LinkedHashMap<>();
        e.put("archive/data.pkl", dataPkl);
        storages.forEach((k, v) -> e.put("archive/data/" + k, v));
        e.put("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        return write(file, e, false);
    }

    /** A protocol-2 pickle assembler for torch data.pkl files. */
    public static final class Pkl {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        public Pkl() {
            out.write(0x80);
            out.write(2);
        }

        public Pkl op(int... bytes) {
            for (int b : bytes) {
                out.write(b);
            }
            return this;
        }

        public Pkl global(String dotted) {
            int dot = dotted.lastIndexOf('.');
            String s = "c" + dotted.substring(0, dot) + "\n" + dotted.substring(dot + 1) + "\n";
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            return this;
        }

        public Pkl str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write('X');
            out.writeBytes(new byte[] {(byte) b.length, (byte) (b.length >> 8), (byte) (b.length >> 16), (byte) (b.length >> 24)});
            out.writeBytes(b);
            return this;
        }

        public Pkl integer(int v) {
            out.write('J');
            out.writeBytes(new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)});
            return this;
        }

        public Pkl ints(int... values) {
            out.write('(');
            for (int v : values) {
                integer(v);
            }
            out.write('t');
            return this;
        }

        /** MARK ... TUPLE around what {@code body} adds. */
        public Pkl tuple(Runnable body) {
            out.write('(');
            body.run();
            out.write('t');
            return this;
        }

        /** BINPERSID of ('storage', storageClass, key, 'cpu', numel). */
        public Pkl storage(String storageClass, String key, int numel) {
            out.write('(');
            str("storage");
            global(storageClass);
            str(key);
            str("cpu");
            integer(numel);
            out.write('t');
            out.write('Q');
            return this;
        }

        public Pkl emptyOrderedDict() {
            global("collections.OrderedDict");
            out.write(')');
            out.write('R');
            return this;
        }

        /** _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()). */
        public Pkl tensorV2(String storageClass, String key, int numel, int offset, int[] size, int[] stride) {
            global("torch._utils._rebuild_tensor_v2");
            out.write('(');
            storage(storageClass, key, numel);
            integer(offset);
            ints(size);
            ints(stride);
            out.write(0x89);
            emptyOrderedDict();
            out.write('t');
            out.write('R');
            return this;
        }

        public byte[] stop() {
            out.write('.');
            return out.toByteArray();
        }
    }
}
