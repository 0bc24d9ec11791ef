package io.ptsafe.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadTensorTest {
    /** Written by DJL's own safetensors writer (ptsafe-safetensors/src/test/fixtures/DjlSafetensorsWriter.java). */
    private static final String DJL_FILE = "ptsafe-safetensors/src/test/resources/safetensors/djl.safetensors";
    /** Its expected bytes, from the Java arrays handed to DJL. */
    private static final String DJL_EXPECTED = "ptsafe-safetensors/src/test/resources/safetensors/djl_expected.tsv";

    @Test
    void readsTheNamedTensorIntoFloatsEqualToWhatDjlWasGiven() throws IOException {
        Repo.Run run = Repo.run(ReadTensor::run, Repo.file(DJL_FILE).toString(), "weight.f32");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("weight.f32"), run.out());
        assertTrue(run.out().contains("read weight.f32 F32[3, 4] into float[12]"), run.out());

        float[] values = ReadTensor.readFloats(Repo.file(DJL_FILE), "weight.f32", new PrintStream(OutputStream.nullOutputStream()));
        assertArrayEquals(expectedFloats("weight.f32"), values);
    }

    @Test
    void withoutANameReadsTheFirstFloatTensorInHeaderOrder() {
        // The header lists the 0-dim F32 "scalar" (7.25) first.
        Repo.Run run = Repo.run(ReadTensor::run, Repo.file(DJL_FILE).toString());
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().contains("read scalar F32[] into float[1]"), run.out());
        assertTrue(run.out().contains("values: 7.25"), run.out());
    }

    @Test
    void halfPrecisionIsWidenedToFloat() throws IOException {
        float[] f16 = ReadTensor.readFloats(Repo.file(DJL_FILE), "act.f16", new PrintStream(OutputStream.nullOutputStream()));
        assertArrayEquals(new float[] {0.5f, -2f, 1024f, 0.25f, -0.125f, 3f, 65504f, -1f}, f16);
    }

    @Test
    void anUnknownTensorNameIsRefused() {
        Repo.Run run = Repo.run(ReadTensor::run, Repo.file(DJL_FILE).toString(), "no.such.tensor");
        assertEquals(1, run.status());
        assertTrue(run.err().startsWith("cannot read: ") && run.err().contains("'no.such.tensor'"), run.err());
    }

    @Test
    void aRefusedFileIsOneLineOnStderrAndStatusOne(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.safetensors");
        // A header length far past the end of the file.
        Files.write(bad, new byte[] {(byte) 0xff, 0, 0, 0, 0, 0, 0, 0, '{', '}'});
        Repo.Run run = Repo.run(ReadTensor::run, bad.toString());
        assertEquals(1, run.status());
        assertTrue(run.err().startsWith("refused ("), run.err());
        assertEquals(1, run.err().strip().lines().count(), run.err());
    }

    @Test
    void badUsageIsStatusTwo() {
        assertEquals(2, Repo.run(ReadTensor::run).status());
    }

    private static float[] expectedFloats(String tensor) throws IOException {
        for (String line : Files.readAllLines(Repo.file(DJL_EXPECTED))) {
            String[] cols = line.split("\t");
            if (cols.length == 5 && cols[1].equals(tensor)) {
                ByteBuffer b = ByteBuffer.wrap(HexFormat.of().parseHex(cols[4])).order(ByteOrder.LITTLE_ENDIAN);
                float[] f = new float[b.remaining() / 4];
                b.asFloatBuffer().get(f);
                return f;
            }
        }
        throw new IllegalStateException(tensor + " not in " + DJL_EXPECTED);
    }
}
