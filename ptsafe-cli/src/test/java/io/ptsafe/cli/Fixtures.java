package io.ptsafe.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** The converter fixtures (written by torch 1.13 and safetensors 0.8; see gen_writer_fixtures.py). */
final class Fixtures {
    private Fixtures() {
    }

    static Path convert(String name) {
        return Path.of("src/test/resources/convert", name);
    }

    static Path writer(String name) {
        return Path.of("../ptsafe-safetensors/src/test/resources/writer", name);
    }

    /** The data section of a safetensors file (after the 8-byte length and the header). */
    static byte[] dataSection(Path p) throws IOException {
        byte[] b = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return Arrays.copyOfRange(b, (int) (8 + n), b.length);
    }

    static long headerLength(Path p) throws IOException {
        byte[] b = Arrays.copyOf(Files.readAllBytes(p), 8);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
