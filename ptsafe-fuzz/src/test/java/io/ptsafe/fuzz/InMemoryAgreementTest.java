package io.ptsafe.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 16: content that is not a file gets the verdict the file gets. Every fixture of the
 * repository ({@code <module>/src/test/resources/**}: real torch and safetensors files, malicious
 * checkpoints, the differential cases, the fuzz corpora, the CLI's archives; and {@code samples/})
 * is scanned as a file, as a stream ({@link SafeLoader#scan(java.io.InputStream, String, LoadOptions)}),
 * as a heap segment and as a native one ({@link SafeLoader#scan(MemorySegment, String, LoadOptions)}):
 * the four reports must be the same, the file's relabeled with the name the content was given. It is
 * opened the same ways ({@link SafeLoader#open(byte[], String, LoadOptions)}, {@link SafeLoader#open(MemorySegment,
 * String, LoadOptions)}): the same refusal (reason and message), or the same tensors byte for byte.
 * The content's name is a path that does not exist, so a reader that went to the disk for it would fail.
 *
 * <p>The one expected difference: a sharded checkpoint index, whose shards are files beside it, is
 * refused in memory ({@link Reason#UNSUPPORTED_FORMAT}).
 */
class InMemoryAgreementTest {
    static final Path ROOT = Path.of("..");
    private static final LoadOptions OPTIONS = LoadOptions.defaults();

    static Stream<Path> fixtures() throws IOException {
        List<Path> roots = new ArrayList<>();
        try (Stream<Path> modules = Files.list(ROOT)) {
            modules.map(m -> m.resolve("src/test/resources")).filter(Files::isDirectory).sorted().forEach(roots::add);
        }
        roots.add(ROOT.resolve("samples"));
        List<Path> files = new ArrayList<>();
        for (Path r : roots) {
            try (Stream<Path> s = Files.walk(r)) {
                s.filter(Files::isRegularFile).sorted().forEach(files::add);
            }
        }
        assertTrue(files.size() > 1000, "the fixtures were found: " + files.size());
        return files.stream();
    }

    /** A name no file has: the content's own. */
    private static String nameFor(Path p) {
        return "in-memory/" + ROOT.relativize(p);
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void streamAndMemoryScansAgreeWithTheFileScan(Path p) throws IOException {
        String name = nameFor(p);
        byte[] bytes = Files.readAllBytes(p);
        ScanReport file = SafeLoader.scan(p, OPTIONS);
        List<ScanReport> others = new ArrayList<>();
        others.add(SafeLoader.scan(new ByteArrayInputStream(bytes), name, OPTIONS));
        others.add(SafeLoader.scan(MemorySegment.ofArray(bytes), name, OPTIONS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativeCopy = arena.allocate(Math.max(1, bytes.length)).asSlice(0, bytes.length);
            nativeCopy.copyFrom(MemorySegment.ofArray(bytes));
            others.add(SafeLoader.scan(nativeCopy, name, OPTIONS));
        }
        if (file.container() == ContainerKind.SHARDED) {
            for (ScanReport r : others) {
                assertEquals(ScanReport.Verdict.INVALID, r.verdict(), r::toString);
                assertEquals(ScanRule.UNSUPPORTED_FORMAT, r.findings().getFirst().rule(), r::toString);
                assertTrue(r.findings().getFirst().message().contains("sharded checkpoint index"), r::toString);
            }
            return;
        }
        String expected = canonical(file.relabeled(Path.of(name), p.toString()));
        for (ScanReport r : others) {
            assertEquals(Path.of(name), r.path());
            assertEquals(expected, canonical(r));
        }
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void openingBytesGivesTheFilesTensorsOrItsRefusal(Path p) throws IOException {
        String name = nameFor(p);
        byte[] bytes = Files.readAllBytes(p);
        String expected = opened(() -> SafeLoader.open(p, OPTIONS), p.toString(), name);
        boolean sharded = SafeLoader.scan(p, OPTIONS).container() == ContainerKind.SHARDED;
        String fromArray = opened(() -> SafeLoader.open(bytes, name, OPTIONS), name, name);
        String fromNative;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment nativeCopy = arena.allocate(Math.max(1, bytes.length)).asSlice(0, bytes.length);
            nativeCopy.copyFrom(MemorySegment.ofArray(bytes));
            fromNative = opened(() -> SafeLoader.open(nativeCopy, name, OPTIONS), name, name);
        }
        if (sharded) {
            assertTrue(fromArray.startsWith("refused UNSUPPORTED_FORMAT") && fromArray.contains("sharded"), fromArray);
            assertEquals(fromArray, fromNative);
            return;
        }
        assertEquals(expected, fromArray);
        assertEquals(expected, fromNative);
    }

    @FunctionalInterface
    private interface Opening {
        TensorFile open() throws IOException;
    }

    /**
     * What opening gave, as text: the refusal's reason and message (the file's path replaced by the
     * name), or the format, metadata and every tensor with its layout and the hex of its storage and data.
     */
    private static String opened(Opening opening, String path, String name) {
        StringBuilder sb = new StringBuilder();
        try (TensorFile f = opening.open()) {
            sb.append("opened ").append(f.format()).append(' ').append(f.path()).append(' ').append(f.metadata())
                    .append('\n');
            for (Tensor t : f.tensors()) {
                sb.append(t.name()).append(' ').append(t.dtype()).append(' ').append(Arrays.toString(t.shape()))
                        .append(' ').append(Arrays.toString(t.strides())).append(' ').append(t.storageOffset())
                        .append(' ').append(t.storageByteOrder()).append(' ').append(t.quantization())
                        .append(' ').append(t.file()).append('\n');
                sb.append(" storage ").append(hash(t.storage())).append('\n');
                if (t.byteSize() <= Hostile.COPY_BUDGET) {
                    sb.append(" data ").append(hash(t.data())).append('\n');
                }
            }
        } catch (PtsafeException e) {
            sb.append("refused ").append(e.reason()).append(' ').append(e.getMessage());
        } catch (IOException e) {
            sb.append("failed ").append(e);
        }
        return sb.toString().replace(path, name);
    }

    /** The bytes themselves for small segments, which makes a failure readable; a digest otherwise. */
    private static String hash(MemorySegment s) {
        byte[] b = s.toArray(ValueLayout.JAVA_BYTE);
        return b.length <= 64 ? java.util.HexFormat.of().formatHex(b) : b.length + " bytes, hash " + Arrays.hashCode(b);
    }

    private static String canonical(ScanReport r) {
        return r.path() + " " + r.container() + " " + r.verdict() + " complete=" + r.complete() + "\nfindings "
                + r.findings() + " +" + r.omittedFindings() + "\nglobals " + r.globals() + " +" + r.omittedGlobals()
                + "\ntensors " + r.tensors();
    }

    @ParameterizedTest
    @MethodSource("realCheckpoints")
    void realCheckpointsOpenFromBytesWithTheirTensorsByteForByte(Path p) throws IOException {
        byte[] bytes = Files.readAllBytes(p);
        try (TensorFile file = SafeLoader.open(p, OPTIONS); TensorFile memory = SafeLoader.open(bytes, "model", OPTIONS)) {
            assertFalse(file.tensors().isEmpty(), p.toString());
            assertEquals(file.keys(), memory.keys());
            for (Tensor t : file.tensors()) {
                Tensor m = memory.tensor(t.name());
                assertEquals(t.dtype(), m.dtype());
                assertArrayEquals(t.shape(), m.shape());
                assertArrayEquals(t.data().toArray(ValueLayout.JAVA_BYTE), m.data().toArray(ValueLayout.JAVA_BYTE),
                        t.name());
            }
            assertEquals(Path.of("model"), memory.path());
        }
    }

    static Stream<Path> realCheckpoints() {
        return Stream.of("samples/mlp.pt", "samples/mlp.legacy.pt", "ptsafe-safetensors/src/test/resources/safetensors/djl.safetensors",
                "ptsafe-pickle/src/test/resources/torch/real/linear.pt").map(ROOT::resolve);
    }
}
