package io.ptsafe.cli;

import static io.ptsafe.cli.EndToEndTest.json;
import static io.ptsafe.cli.EndToEndTest.list;
import static io.ptsafe.cli.EndToEndTest.obj;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.FileFormat;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * numpy files through the commands (ptsafe-pickle/src/test/resources/npy, written by numpy 1.24):
 * {@code convert} turns a .npz into safetensors with the member names as tensor names and numpy's
 * bytes (and refuses a dtype safetensors cannot hold); {@code inspect} lists a .npy; {@code scan} says UNSAFE for an object array.
 */
class NumpyFilesTest {
    static final Path NPY = Path.of("../ptsafe-pickle/src/test/resources/npy");

    @TempDir
    Path dir;

    @Test
    void convertNpzKeepsMemberNamesAndBytes() throws IOException {
        for (String n : List.of("model.npz")) {
            Path npz = NPY.resolve("real").resolve(n);
            Path out = dir.resolve(n + ".safetensors");
            CliRun r = CliRun.of("convert", npz.toString(), out.toString());
            assertEquals(0, r.code(), r::toString);
            try (TensorFile in = SafeLoader.open(npz); TensorFile st = SafeLoader.open(out)) {
                assertEquals(FileFormat.NUMPY, in.format());
                assertEquals(FileFormat.SAFETENSORS, st.format());
                assertEquals(in.tensors().stream().map(Tensor::name).sorted().toList(),
                        st.tensors().stream().map(Tensor::name).sorted().toList());
                for (Tensor t : in.tensors()) {
                    Tensor u = st.tensor(t.name());
                    assertEquals(t.dtype(), u.dtype(), t.name());
                    assertArrayEquals(t.shape(), u.shape(), t.name());
                    assertArrayEquals(t.data().toArray(ValueLayout.JAVA_BYTE), u.data().toArray(ValueLayout.JAVA_BYTE),
                            t.name());
                }
            }
        }
    }

    /** complex128 has no safetensors dtype: the converter says so and writes nothing. */
    @Test
    void convertRefusesWhatSafetensorsCannotHold() {
        Path out = dir.resolve("arrays.safetensors");
        CliRun r = CliRun.of("convert", NPY.resolve("real/arrays.npz").toString(), out.toString());
        assertEquals(ExitCodes.ERROR, r.code(), r::toString);
        assertTrue(r.err().contains("'complex128'") && r.err().contains("CANNOT_WRITE"), r::toString);
        assertTrue(Files.notExists(out));
    }

    @Test
    void inspectListsANpy() throws IOException {
        CliRun r = CliRun.of("inspect", "--json", NPY.resolve("real/float64_be.v2.npy").toString());
        assertEquals(0, r.code(), r::toString);
        assertEquals("NUMPY", obj(json(r.out())).get("format"));
        List<Object> tensors = list(obj(json(r.out())).get("tensors"));
        assertEquals(1, tensors.size());
        assertEquals("F64", obj(tensors.getFirst()).get("dtype"));
    }

    @Test
    void scanSaysUnsafeForAnObjectArray() {
        CliRun r = CliRun.of("scan", NPY.resolve("hostile/object_system.npy").toString());
        assertTrue(r.out().contains("UNSAFE") && r.out().contains("PTS104"), r::toString);
    }
}
