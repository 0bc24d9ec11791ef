package io.ptsafe.safetensors.reader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.TensorFile;
import io.ptsafe.spi.FileProbe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** Builds safetensors bytes by hand, reads the generated fixtures' TSV files, and asserts refusals. */
final class TestFiles {
    /** Fixtures written by src/test/fixtures (run from the module folder, as surefire does). */
    static final Path RESOURCES = Path.of("src/test/resources/safetensors");

    private TestFiles() {
    }

    /** 8-byte little-endian length, the header bytes, then {@code data}. */
    static byte[] raw(byte[] header, byte[] data) {
        return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).put(data).array();
    }

    static byte[] file(String header, byte[] data) {
        return raw(header.getBytes(StandardCharsets.UTF_8), data);
    }

    /** A file whose byte buffer is {@code dataBytes} bytes counting up from 0. */
    static byte[] file(String header, int dataBytes) {
        byte[] data = new byte[dataBytes];
        for (int i = 0; i < dataBytes; i++) {
            data[i] = (byte) i;
        }
        return file(header, data);
    }

    /** A one-tensor entry, for building headers: {@code "name":{"dtype":..,"shape":[..],"data_offsets":[b,e]}}. */
    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + shape + "],\"data_offsets\":[" + begin
                + "," + end + "]}";
    }

    static Path write(Path dir, String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens through {@link SafeLoader}, as users do. */
    static TensorFile open(Path p, LoadOptions o) throws IOException {
        return SafeLoader.open(p, o);
    }

    /** Asserts {@link SafeLoader#open} refuses the file for {@code reason}; returns the exception. */
    static PtsafeException refused(Reason reason, Path p, LoadOptions o) {
        PtsafeException e = assertThrows(PtsafeException.class, () -> SafeLoader.open(p, o).close());
        assertEquals(reason, e.reason(), e::getMessage);
        return e;
    }

    static PtsafeException refused(Reason reason, Path p) {
        return refused(reason, p, LoadOptions.defaults());
    }

    /** Opens through the safetensors provider directly, without recognition. */
    static TensorFile openDirect(Path p, LoadOptions o) throws IOException {
        return new SafetensorsProvider().open(FileProbe.of(p), o);
    }

    /** One tensor line of expected.tsv / djl_expected.tsv. */
    record Row(String file, String name, String dtype, long[] shape, byte[] bytes) {
    }

    /** Lines of a fixture TSV, comments skipped, split on tabs keeping empty fields. */
    static List<String[]> tsv(String name) {
        try {
            List<String[]> rows = new ArrayList<>();
            for (String line : Files.readAllLines(RESOURCES.resolve(name), StandardCharsets.UTF_8)) {
                if (!line.startsWith("#") && !line.isEmpty()) {
                    rows.add(line.split("\t", -1));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Row> rows(String name) {
        List<Row> rows = new ArrayList<>();
        for (String[] f : tsv(name)) {
            if (f[1].equals("#order")) {
                continue;
            }
            long[] shape = f[3].isEmpty() ? new long[0] : Arrays.stream(f[3].split(",")).mapToLong(Long::parseLong).toArray();
            rows.add(new Row(f[0], f[1], f[2], shape, HexFormat.of().parseHex(f[4])));
        }
        return rows;
    }
}
