package io.ptsafe;

import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.FormatProvider;
import io.ptsafe.scan.ScanFinding.Location;
import io.ptsafe.internal.Spool;
import io.ptsafe.spi.MappedFiles;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import io.ptsafe.scan.ScanFinding;
import io.ptsafe.scan.ScanReport;
import io.ptsafe.scan.ScanRule;
import io.ptsafe.scan.TreeScan;

/**
 * Opens model weight files without executing anything in them.
 *
 * <pre>{@code
 * try (TensorFile f = SafeLoader.open(Path.of("model.safetensors"))) {
 *     for (Tensor t : f.tensors()) {
 *         System.out.println(t.name() + " " + t.dtype() + " " + Arrays.toString(t.shape()));
 *     }
 *     float[] w = f.tensor("fc.weight").toFloatArray();
 * }
 * }</pre>
 *
 * <p>The format is decided from the file's bytes, never its name, among the formats whose provider
 * module is present ({@code ptsafe-safetensors}, {@code ptsafe-pickle}).
 *
 * <p>Content that is not a file has its own entry points, which decide with the same code and give
 * the same verdicts, tensors and refusals as the file of the same bytes: {@link #open(byte[], String,
 * LoadOptions)} and {@link #open(MemorySegment, String, LoadOptions)} for bytes in memory,
 * {@link #scan(MemorySegment, String, LoadOptions)} and {@link #scan(InputStream, String, LoadOptions)}
 * for scans (an upload: see {@link io.ptsafe.scan.UploadScanner}). The name given with the content
 * is what reports and refusals call it; it is never opened. A sharded checkpoint index names files
 * beside it, which content in memory does not have: it is refused ({@link Reason#UNSUPPORTED_FORMAT}).
 */
public final class SafeLoader {
    private SafeLoader() {
    }

    /**
     * Opens a file with the default {@link LoadOptions}: see {@link #open(Path, LoadOptions)}.
     *
     * @param path a safetensors file, a torch checkpoint, a sharded checkpoint's index JSON, or a
     *             folder holding one
     * @return the open file; close it to unmap it
     * @throws PtsafeException when the file is refused; {@link PtsafeException#reason()} says why
     * @throws IOException when a provider fails to read the file without naming a refusal
     */
    public static TensorFile open(Path path) throws IOException {
        return open(path, LoadOptions.defaults());
    }

    /**
     * Opens a safetensors file, a torch checkpoint (zip or legacy), a sharded checkpoint (its
     * index JSON, or a folder holding one), or a numpy {@code .npy} / {@code .npz} file.
     *
     * @param path    a safetensors file, a torch checkpoint, a sharded checkpoint's index JSON, or a
     *                folder holding one
     * @param options the limits and policies to enforce
     * @return the open file; close it to unmap it
     * @throws PtsafeException when the file is refused; {@link PtsafeException#reason()} says why
     *         ({@link Reason#MISSING_PROVIDER} names the artifact to add when the file looks like a
     *         format whose provider module is absent)
     * @throws IOException when a provider fails to read the file without naming a refusal
     */
    public static TensorFile open(Path path, LoadOptions options) throws IOException {
        return open(FileProbe.of(path), options);
    }

    /**
     * Opens bytes in memory with the default {@link LoadOptions}: see {@link #open(byte[], String, LoadOptions)}.
     *
     * @param content the bytes of a safetensors file or a torch checkpoint
     * @param name    what refusals and {@link TensorFile#path()} call the content, such as the name of
     *                the upload it came from; never opened
     * @return the open file; close it to free the copy of the bytes
     * @throws PtsafeException when the content is refused, as the file of the same bytes would be
     * @throws IllegalArgumentException when {@code name} is empty or holds a NUL character
     */
    public static TensorFile open(byte[] content, String name) throws IOException {
        return open(content, name, LoadOptions.defaults());
    }

    /**
     * Opens bytes in memory: the same verdict, tensors (names, dtypes, shapes, bytes) and refusals as
     * {@link #open(Path, LoadOptions)} of a file holding these bytes. The array is copied once, off
     * the heap, before it is read, so later writes to it change nothing; tensors are views of that
     * copy, freed when the file is closed.
     *
     * @param content the bytes of a safetensors file or a torch checkpoint
     * @param name    what refusals and {@link TensorFile#path()} call the content; never opened
     * @param options the limits and policies to enforce
     * @return the open file; close it to free the copy of the bytes
     * @throws PtsafeException when the content is refused; a sharded checkpoint index is
     *         {@link Reason#UNSUPPORTED_FORMAT} (its shards are files beside it)
     * @throws IllegalArgumentException when {@code name} is empty or holds a NUL character
     * @throws NullPointerException     when an argument is null
     */
    public static TensorFile open(byte[] content, String name, LoadOptions options) throws IOException {
        Objects.requireNonNull(content, "content");
        return open(MemorySegment.ofArray(content), name, options);
    }

    /**
     * Opens the content of a memory segment: the same verdict, tensors and refusals as
     * {@link #open(Path, LoadOptions)} of a file holding its bytes. A native segment (off-heap memory,
     * a mapping made elsewhere) is read in place, as a mapped file is, and tensors are views of it:
     * it must stay alive, unchanged, and accessible from the threads that read the tensors for as long
     * as the file is open. A heap segment is copied off-heap first, as {@link #open(byte[], String,
     * LoadOptions)} does.
     *
     * @param content the bytes of a safetensors file or a torch checkpoint
     * @param name    what refusals and {@link TensorFile#path()} call the content; never opened
     * @param options the limits and policies to enforce
     * @return the open file
     * @throws PtsafeException when the content is refused; a sharded checkpoint index is
     *         {@link Reason#UNSUPPORTED_FORMAT} (its shards are files beside it)
     * @throws IllegalArgumentException when {@code name} is empty or holds a NUL character
     * @throws NullPointerException     when an argument is null
     * @throws IllegalStateException    when the segment's arena is already closed
     */
    public static TensorFile open(MemorySegment content, String name, LoadOptions options) throws IOException {
        Objects.requireNonNull(options, "options");
        return open(probeOf(content, name), options);
    }

    private static TensorFile open(FileProbe probe, LoadOptions options) throws IOException {
        Path path = probe.path();
        ContainerKind unloadable = Containers.unloadable(probe);
        if (unloadable != null) {
            throw Containers.refusal(probe, unloadable);
        }
        List<FormatProvider> declined = new ArrayList<>();
        FormatProvider p = providerFor(probe, declined);
        if (p != null) {
            if (shardedInMemory(probe, p)) {
                throw inMemoryIndex(probe);
            }
            return p.open(probe, options);
        }
        List<String> tried = declined.stream().map(FormatProvider::name).toList();
        PtsafeException missing = MissingProviders.refusal(probe);
        if (missing != null) {
            throw missing;
        }
        throw new PtsafeException(Reason.UNKNOWN_FORMAT, path, "not a format ptsafe reads (first bytes "
                + probe.headHex(16) + ", tried " + (tried.isEmpty() ? "no providers: add ptsafe-safetensors or ptsafe-pickle" : String.join(", ", tried)) + ")");
    }

    /**
     * Scans a file with the default {@link LoadOptions}: see {@link #scan(Path, LoadOptions)}.
     *
     * @param path the file or folder to scan
     * @return the report; problems with the file are findings, never exceptions
     * @throws NullPointerException when {@code path} is null
     */
    public static ScanReport scan(Path path) {
        return scan(path, LoadOptions.defaults());
    }

    /**
     * Scans a file without loading it: a verdict (SAFE, UNSAFE, INVALID) and a report of every
     * finding, every global its pickles name, and its tensors. Never throws for anything in the
     * file: unsafe or malformed content is what the report is for. The file is examined by the
     * same code that {@link #open} uses, under the same {@code options} (limits, CRC policy, inert
     * globals): a file scans SAFE exactly when {@code open} with those options loads it.
     *
     * <p>A scan reads what opening reads: headers, zip directories, pickles, never tensor data
     * beyond bounds checks, so it costs about what parsing costs. CRC-32s are checked for the
     * records the scan reads anyway (a mismatch there is a warning under {@link LoadOptions.CrcPolicy#SKIP});
     * {@code crcPolicy(CHECK_IF_PRESENT)} or {@code REQUIRE} checks every record, which reads all
     * the data once.
     *
     * <p>Containers ptsafe does not load are still recognised and reported: tar, TorchScript,
     * torch.package, bare pickles (decoded by the restricted machine, so their payloads are named);
     * numpy object arrays are reported UNSAFE with what their pickle names.
     *
     * @param path    the file or folder to scan
     * @param options the limits and policies {@link #open} would enforce
     * @return the report; problems with the file are findings, never exceptions
     * @throws NullPointerException when {@code path} or {@code options} is null
     */
    public static ScanReport scan(Path path, LoadOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        FileProbe probe;
        try {
            probe = FileProbe.of(path);
        } catch (PtsafeException e) {
            return ScanReport.builder(path, ContainerKind.UNKNOWN).add(ScanFinding.of(e, Location.FILE)).incomplete()
                    .build();
        }
        return scan(probe, options);
    }

    /**
     * Scans the content of a memory segment: the same report as {@link #scan(Path, LoadOptions)} of a
     * file holding its bytes, named {@code name} (a sharded checkpoint index, whose shards are files
     * beside it, is INVALID here, {@link Reason#UNSUPPORTED_FORMAT}). A native segment is read in
     * place; a heap one ({@link MemorySegment#ofArray(byte[])}) is copied off-heap first.
     *
     * @param content the bytes to scan
     * @param name    what the report calls the content; never opened
     * @param options the limits and policies {@link #open} would enforce
     * @return the report; problems with the content are findings, never exceptions
     * @throws IllegalArgumentException when {@code name} is empty or holds a NUL character
     * @throws NullPointerException     when an argument is null
     * @throws IllegalStateException    when the segment's arena is already closed
     */
    public static ScanReport scan(MemorySegment content, String name, LoadOptions options) {
        Objects.requireNonNull(options, "options");
        return scan(probeOf(content, name), options);
    }

    /**
     * Scans a stream with the default {@link LoadOptions}: see {@link #scan(InputStream, String, LoadOptions)}.
     *
     * @param in   the content, read to its end (not closed)
     * @param name what the report calls the content; never opened
     * @return the report
     * @throws LimitExceededException when the stream is longer than {@link LoadOptions#DEFAULT_MAX_STREAM_BYTES}
     * @throws IOException            what reading the stream or writing the temporary file threw
     */
    public static ScanReport scan(InputStream in, String name) throws IOException {
        return scan(in, name, LoadOptions.defaults());
    }

    /**
     * Scans a stream: the same report as {@link #scan(Path, LoadOptions)} of a file holding its bytes,
     * named {@code name}. The stream is written, as it is read, to an owner-only temporary file in
     * {@code java.io.tmpdir}, which is mapped, scanned, and deleted before this returns or throws,
     * whatever happens (the limit passed, the stream failing, a full disk). At most
     * {@link LoadOptions#maxStreamBytes()} bytes are read: a longer stream is refused with a
     * {@link LimitExceededException} of {@link Limit#MAX_STREAM_BYTES} as soon as that is known, and
     * the rest of it is left unread. Problems with the content are findings of the report; only the
     * stream and the temporary file throw.
     *
     * @param in      the content, read to its end (not closed)
     * @param name    what the report calls the content; never opened
     * @param options the limits and policies {@link #open} would enforce, and {@code maxStreamBytes}
     * @return the report
     * @throws LimitExceededException   when the stream is longer than {@link LoadOptions#maxStreamBytes()}
     * @throws IOException              what reading the stream or writing the temporary file threw
     * @throws IllegalArgumentException when {@code name} is empty or holds a NUL character
     * @throws NullPointerException     when an argument is null
     */
    public static ScanReport scan(InputStream in, String name, LoadOptions options) throws IOException {
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(options, "options");
        Path display = nameOf(name);
        Spool.Spooled s = Spool.write(in, Path.of(System.getProperty("java.io.tmpdir")), "ptsafe-stream-",
                options.maxStreamBytes(), display, Spool.FILES, false);
        try {
            return MappedFiles.read(s.file(), (file, arena) -> scan(FileProbe.of(display, file), options));
        } finally {
            Files.deleteIfExists(s.file());
        }
    }

    private static ScanReport scan(FileProbe probe, LoadOptions options) {
        Path path = probe.path();
        ContainerKind unloadable = Containers.unloadable(probe);
        if (unloadable != null) {
            return ScanReport.builder(path, unloadable).add(ScanFinding.of(Containers.refusal(probe, unloadable),
                    Location.FILE)).build();
        }
        String current = "provider lookup";
        try {
            List<FormatProvider> declined = new ArrayList<>();
            FormatProvider p = providerFor(probe, declined);
            if (p != null) {
                current = p.name();
                if (shardedInMemory(probe, p)) {
                    return ScanReport.builder(path, ContainerKind.SHARDED).add(ScanFinding.of(inMemoryIndex(probe),
                            Location.FILE)).build();
                }
                return Objects.requireNonNull(p.scan(probe, options), "scan report");
            }
            List<String> tried = new ArrayList<>();
            for (FormatProvider d : declined) {
                current = d.name();
                tried.add(current + d.declineReason(probe).map(r -> " (" + r + ")").orElse(""));
            }
            PtsafeException missing = MissingProviders.refusal(probe);
            if (missing != null) {
                return ScanReport.builder(path, ContainerKind.UNKNOWN).add(ScanFinding.of(missing, Location.FILE)).build();
            }
            return ScanReport.builder(path, ContainerKind.UNKNOWN).add(ScanRule.UNKNOWN_FORMAT, Location.FILE,
                    (probe.isDirectory() ? "a folder without a sharded checkpoint index" : "not a format ptsafe "
                    + "knows (first bytes " + probe.headHex(16) + ")") + "; tried " + (tried.isEmpty() ? "no providers"
                    : String.join(", ", tried))).build();
        } catch (RuntimeException e) {
            // A bug of a provider must not turn into a SAFE verdict, nor crash a service scanning uploads.
            return ScanReport.builder(path, ContainerKind.UNKNOWN).add(ScanRule.SCANNER_ERROR, Location.FILE,
                    "the " + current + " scanner failed: " + e).incomplete().build();
        }
    }

    /**
     * Scans everything under some paths, failing closed: see {@link #scanTree(List, LoadOptions)}.
     *
     * @param path    a file or folder
     * @param options the limits and policies, the {@code maxArchive*} limits included
     * @return the reports and the files not scanned, with reasons
     * @throws NullPointerException when an argument is null
     */
    public static TreeScan scanTree(Path path, LoadOptions options) {
        return scanTree(List.of(path), options);
    }

    /**
     * Scans every file under the given paths, for tools and services that accept folders or
     * archives: every file is either scanned ({@link TreeScan#reports()}) or listed with the reason it
     * was not ({@link TreeScan#skipped()}). See docs/scanning.md.
     * <ul>
     * <li>Folders are walked in name order, hidden files and folders included (the Hugging Face
     *     cache lives under {@code ~/.cache}).</li>
     * <li>Symbolic links are followed, to folders too; a link back to a folder being walked (a cycle),
     *     or to a folder or file already met, is listed as skipped; a broken link is listed; links
     *     leading out of the folder given are followed, scanned, and listed in
     *     {@link TreeScan#outsideLinks()}. Fifos, sockets and devices are listed, never opened.</li>
     * <li>A file found by walking that no format recognises is listed as not a model file, with the
     *     reason (a file that would start to run as a pickle is always scanned). A file named in
     *     {@code paths} is always reported.</li>
     * <li>Archives are opened and their members scanned, as {@code archive!member}: zip (unless it is
     *     a torch checkpoint: {@code <root>/data.pkl}, which {@link #scan} judges), tar, and gzip,
     *     bzip2 or xz streams (a tar inside, or one file), nested up to
     *     {@link LoadOptions#maxArchiveDepth()}. Members are extracted one at a time to temporary files,
     *     deleted once scanned, within {@link LoadOptions#maxArchiveMembers()},
     *     {@link LoadOptions#maxArchiveBytes()}, {@link LoadOptions#maxArchiveMemberBytes()} and
     *     {@link LoadOptions#maxArchiveRatio()}; over one, the archive is reported INVALID
     *     ({@link ScanRule#ARCHIVE_LIMIT}).</li>
     * </ul>
     * Never throws for anything in the files; a folder that cannot be listed is an INVALID report.
     *
     * @param paths   files and folders
     * @param options the limits and policies, the {@code maxArchive*} limits included
     * @return the reports and the files not scanned, with reasons
     * @throws NullPointerException when an argument is null
     */
    public static TreeScan scanTree(List<Path> paths, LoadOptions options) {
        Objects.requireNonNull(options, "options");
        List<Path> copy = List.copyOf(paths);
        try (ArchiveScan.Temp temp = new ArchiveScan.Temp()) {
            TreeWalker w = new TreeWalker(options, temp);
            for (Path p : copy) {
                w.root(p);
            }
            return w.result();
        }
    }

    /** The probe of content in memory, named {@code name}. */
    private static FileProbe probeOf(MemorySegment content, String name) {
        Objects.requireNonNull(content, "content");
        return FileProbe.of(nameOf(name), content);
    }

    /** The name of content that is not a file, as a path for reports and refusals. */
    private static Path nameOf(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("the name of the content is empty");
        }
        return Path.of(name); // InvalidPathException, an IllegalArgumentException, for a NUL
    }

    private static boolean shardedInMemory(FileProbe probe, FormatProvider p) {
        return probe.inMemory() && p.container(probe) == ContainerKind.SHARDED;
    }

    private static PtsafeException inMemoryIndex(FileProbe probe) {
        return new PtsafeException(Reason.UNSUPPORTED_FORMAT, probe.path(), "a sharded checkpoint index: its shards "
                + "are files beside it, and content in memory or from a stream has none; open or scan the index by "
                + "its path in the folder that holds the shards");
    }

    /**
     * The provider that takes a file, for {@link #open} and {@link #scan} alike: the first,
     * highest priority first, that recognises it.
     *
     * @param declined receives the providers that did not recognise it, in order
     * @return the provider, or null when none recognises the file
     */
    private static FormatProvider providerFor(FileProbe probe, List<FormatProvider> declined) {
        for (FormatProvider p : providers()) {
            if (p.recognizes(probe)) {
                return p;
            }
            declined.add(p);
        }
        return null;
    }

    /**
     * The providers SafeLoader's own class loader sees, found once: ServiceLoader re-reads every
     * META-INF/services file on each call, a quarter of the time of opening a small file.
     */
    private static volatile List<FormatProvider> ownProviders;

    /** The providers found, highest priority first. */
    static List<FormatProvider> providers() {
        List<FormatProvider> list = ownProviders;
        if (list != null) {
            return list;
        }
        list = sorted(ServiceLoader.load(FormatProvider.class, SafeLoader.class.getClassLoader()));
        if (!list.isEmpty()) {
            ownProviders = list;
            return list;
        }
        // Only through the context class loader, which may differ from call to call: not kept.
        return sorted(ServiceLoader.load(FormatProvider.class));
    }

    private static List<FormatProvider> sorted(ServiceLoader<FormatProvider> loader) {
        List<FormatProvider> list = new ArrayList<>();
        loader.forEach(list::add);
        list.sort(Comparator.comparingInt(FormatProvider::priority).reversed().thenComparing(FormatProvider::name));
        return List.copyOf(list);
    }
}
