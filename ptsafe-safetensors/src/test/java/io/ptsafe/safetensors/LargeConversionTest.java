package io.ptsafe.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 4 GiB model converts in a JVM with a 256 MiB heap: the input is sparse (created in no time),
 * the output is 4 GiB of real writes. Tagged {@code large} and excluded from the default build;
 * run it with {@code mvn -pl ptsafe-safetensors -am verify -Dptsafe.test.groups=large}.
 */
@Tag("large")
class LargeConversionTest {
    static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    @Test
    void convertsFourGibUnderA256MibHeap() throws Exception {
        Path in = dir.resolve("big.safetensors");
        long data = sparseSafetensors(in, 4, GIB);
        Path out = dir.resolve("out.safetensors");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-XX:MaxDirectMemorySize=64m", "--enable-native-access=ALL-UNNAMED",
                "-cp", classPath(), LargeConversionMain.class.getName(), in.toString(), out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.MINUTES));
        System.out.println(output);
        assertEquals(0, p.exitValue(), output);
        assertTrue(Files.size(out) > data);
        assertTrue(output.contains("tensors          4"), output);
    }

    /** A safetensors file of {@code n} U8 tensors of {@code size} bytes, all zero and all holes. */
    static long sparseSafetensors(Path p, int n, long size) throws IOException {
        StringBuilder h = new StringBuilder("{");
        for (int i = 0; i < n; i++) {
            h.append(i == 0 ? "" : ",").append("\"layer").append(i).append(".weight\":{\"dtype\":\"U8\",\"shape\":[")
                    .append(size).append("],\"data_offsets\":[").append(i * size).append(',').append((i + 1) * size)
                    .append("]}");
        }
        h.append('}');
        while (h.length() % 8 != 0) {
            h.append(' ');
        }
        byte[] header = h.toString().getBytes(StandardCharsets.US_ASCII);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            f.write(header);
            f.setLength(8 + header.length + n * size);
        }
        return n * size;
    }

    /** The test JVM's own class and module path, plus this module's classes, as one class path. */
    static String classPath() {
        Set<String> entries = new LinkedHashSet<>();
        entries.add(Path.of("target/test-classes").toAbsolutePath().toString());
        entries.add(Path.of("target/classes").toAbsolutePath().toString());
        for (String prop : new String[] {"jdk.module.path", "java.class.path"}) {
            String v = System.getProperty(prop);
            if (v != null) {
                for (String e : v.split(File.pathSeparator)) {
                    if (!e.isBlank()) {
                        entries.add(e);
                    }
                }
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
