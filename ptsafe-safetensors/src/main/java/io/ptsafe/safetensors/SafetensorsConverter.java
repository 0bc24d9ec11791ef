package io.ptsafe.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Converts any file {@link SafeLoader} reads (torch zip or legacy checkpoint, sharded checkpoint,
 * safetensors) to safetensors, with the semantics of the reference converter (huggingface/safetensors
 * {@code bindings/python/convert.py}) where it has them:
 *
 * <ul>
 *   <li>a top-level {@code state_dict} dict is unwrapped; {@link Builder#select(String)} picks a
 *       subtree by name (see {@code Selection});</li>
 *   <li>tensors that share storage are deduplicated by the reference's rules
 *       ({@code _remove_duplicate_names}: see {@code SharedStorages}), each removed name recorded in
 *       {@code __metadata__} as removed name to kept name; where the reference would refuse or drop
 *       a partial view, ptsafe writes it as its own contiguous copy;</li>
 *   <li>{@code __metadata__} holds {@code "format": "pt"} (for a safetensors source, its own
 *       metadata, with {@code format} added if absent);</li>
 *   <li>non-tensor values are not an error: the {@link ConversionReport} lists them;</li>
 *   <li>with {@link Builder#maxShardSize(long)}, the output is split into
 *       {@code <stem>-00001-of-0000N.safetensors} files and a {@code <stem>.safetensors.index.json}
 *       ({@code {"metadata": {"total_size": N}, "weight_map": {...}}}); an alias is recorded in the
 *       shard of its kept tensor;</li>
 *   <li>every file is read back with {@link SafeLoader} before it is put in place and compared
 *       tensor by tensor, byte for byte, with the source ({@link Reason#VERIFY_MISMATCH});</li>
 *   <li>where convert.py's {@code check_file_size} refuses an output more than 1% larger than its
 *       source, ptsafe warns in the report instead: copying partial views legitimately grows it.</li>
 * </ul>
 *
 * <p>All output files are written under temporary names, forced to disk, verified, and only then
 * renamed into place, the index last; on any failure none of them remains and existing files are
 * untouched. The force of each file runs on a background thread while the file is written (forces
 * as it grows, the last {@code force(true)} once it is whole) and then read back and compared (the
 * comparison reads the page cache, the force waits for the disk); the renames wait for both. Memory use does not grow with model size: tensor bytes stream from the source mapping.
 */
public final class SafetensorsConverter {
    private final String select;
    private final long maxShardSize;
    private final Set<String> preferredNames;
    private final Set<String> discardNames;
    private final LoadOptions loadOptions;
    private final ProgressListener progress;
    /** Package-private so tests can read outputs back without the reader, or fail after writing. */
    Verification.Opener opener;
    WriteHook afterWrite = file -> { };

    /** Test hook: runs on each temporary file once written, before it is verified. */
    @FunctionalInterface
    interface WriteHook {
        void written(Path temp) throws IOException;
    }

    private SafetensorsConverter(Builder b) {
        this.select = b.select;
        this.maxShardSize = b.maxShardSize;
        this.preferredNames = Set.copyOf(b.preferredNames);
        this.discardNames = Set.copyOf(b.discardNames);
        this.loadOptions = b.loadOptions;
        this.progress = b.progress;
        LoadOptions readBack = readBackOptions(loadOptions);
        this.opener = file -> SafeLoader.open(file, readBack);
    }

    /**
     * The options the written files are read back with: each limit the larger of the caller's and the
     * default. A limit raised to accept the source must accept its conversion too, and one lowered
     * against a hostile source must not refuse ptsafe's own output (a .pt has no header to bound).
     */
    private static LoadOptions readBackOptions(LoadOptions given) {
        LoadOptions.Builder b = given.toBuilder();
        for (Limit l : Limit.values()) {
            b.limit(l, Math.max(given.limit(l), l.defaultValue()));
        }
        return b.build();
    }

    /** {@return a builder with the defaults: no selection, one file, default {@link LoadOptions}} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Converts with the defaults: no selection, one file, default {@link LoadOptions}.
     *
     * @param source the file to convert, in any format {@link SafeLoader} reads
     * @param target as for {@link #convert(Path, Path)}
     * @return what was written
     * @throws PtsafeException as {@link #convert(Path, Path)} does
     * @throws IOException as {@link #convert(Path, Path)} does
     */
    public static ConversionReport convertFile(Path source, Path target) throws IOException {
        return builder().build().convert(source, target);
    }

    /**
     * Opens {@code source} with {@link SafeLoader} and converts it.
     *
     * @param source the file to convert, opened with this converter's {@link LoadOptions}
     * @param target the file to write ({@code model.safetensors}), or an existing folder to write
     *               {@code model.safetensors} into; missing parent folders are created
     * @return what was written
     * @throws PtsafeException when {@link SafeLoader} refuses the source, or as
     *         {@link #convert(TensorFile, Path)} does
     * @throws IOException when a file cannot be read
     */
    public ConversionReport convert(Path source, Path target) throws IOException {
        try (TensorFile in = SafeLoader.open(source, loadOptions)) {
            return convert(in, target);
        }
    }

    /**
     * Converts an open file; see {@link #convert(Path, Path)}.
     *
     * @param source the file to convert; left open
     * @param target as for {@link #convert(Path, Path)}
     * @return what was written
     * @throws java.util.NoSuchElementException when nothing matches the selection (see {@code select})
     * @throws PtsafeException {@link Reason#CANNOT_WRITE} when there are no tensors to convert or two would get the
     *         same name, {@link Reason#VERIFY_MISMATCH} when an output reads back differently,
     *         {@link Reason#IO_ERROR} when a folder or the index cannot be written; otherwise as
     *         {@link SafetensorsWriter#write(Path)} does
     * @throws IOException when a written file cannot be read back
     */
    public ConversionReport convert(TensorFile source, Path target) throws IOException {
        long start = System.nanoTime();
        Path out = Files.isDirectory(target) ? target.resolve("model.safetensors") : target;
        Selection sel = Selection.of(source, select);
        if (sel.tensors().isEmpty()) {
            throw new PtsafeException(Reason.CANNOT_WRITE, source.path(), "holds no tensors to convert"
                    + (sel.skippedCount() > 0 ? " (only " + sel.skippedCount() + " non-tensor entries)" : ""));
        }
        Map<String, String> aliases = SharedStorages.aliases(sel.tensors(), preferredNames, discardNames);
        Map<String, Tensor> toWrite = new LinkedHashMap<>(sel.tensors());
        toWrite.keySet().removeAll(aliases.keySet());

        Map<String, String> baseMetadata = new LinkedHashMap<>();
        baseMetadata.put("format", "pt");
        baseMetadata.putAll(source.metadata());
        List<Map<String, Tensor>> shards = maxShardSize > 0 ? ShardPlan.split(toWrite, maxShardSize)
                : List.of(toWrite);
        List<Path> files = shardNames(out, shards.size());
        Optional<Path> index = shards.size() > 1 ? Optional.of(indexName(out)) : Optional.empty();

        List<Layout> layouts = new ArrayList<>();
        List<Map<String, String>> metadatas = new ArrayList<>();
        for (int i = 0; i < shards.size(); i++) {
            Map<String, String> meta = new LinkedHashMap<>(baseMetadata);
            for (Map.Entry<String, String> a : aliases.entrySet()) {
                if (shards.get(i).containsKey(a.getValue())) {
                    meta.putIfAbsent(a.getKey(), a.getValue());
                }
            }
            metadatas.add(meta);
            layouts.add(Layout.plan(new ArrayList<>(shards.get(i).entrySet()), meta, files.get(i)));
        }
        long tensorBytes = layouts.stream().mapToLong(Layout::dataBytes).sum();
        Progress counter = new Progress(progress, 2 * tensorBytes);

        List<Path> createdDirs = createParents(out);
        boolean done = false;
        long fileBytes = 0;
        // Closed in reverse: any force still running ends before the temporary files are deleted.
        try (AtomicOutput output = new AtomicOutput(); BackgroundForce forcing = new BackgroundForce()) {
            List<Path> temps = new ArrayList<>();
            for (Path f : files) {
                temps.add(output.newTemp(f));
            }
            DataCopier copier = new DataCopier(counter);
            for (int i = 0; i < layouts.size(); i++) {
                // The disk starts writing while the file is still being written (see BackgroundForce).
                BackgroundForce.Growing growing = forcing.follow(temps.get(i), files.get(i));
                copier.write(layouts.get(i), temps.get(i), files.get(i), growing);
                fileBytes += layouts.get(i).fileSize();
                afterWrite.written(temps.get(i));
                growing.complete();
            }
            // Read back from the page cache while the disk writes: the verification's CPU overlaps the force.
            for (int i = 0; i < layouts.size(); i++) {
                Verification.check(opener, temps.get(i), files.get(i), shards.get(i), metadatas.get(i), counter);
            }
            forcing.awaitAll();
            if (index.isPresent()) {
                Path temp = output.newTemp(index.get());
                fileBytes += writeIndex(temp, index.get(), shards, files, tensorBytes);
            }
            output.commit();
            done = true;
        } finally {
            if (!done) {
                deleteEmpty(createdDirs);
            }
        }
        List<ConversionReport.WrittenTensor> written = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : toWrite.entrySet()) {
            Tensor t = e.getValue();
            int shard = 0;
            while (!shards.get(shard).containsKey(e.getKey())) {
                shard++;
            }
            boolean copied = t.isView() || t.byteSize() != t.storage().byteSize();
            written.add(new ConversionReport.WrittenTensor(e.getKey(), t.dtype(), t.shape(), t.byteSize(),
                    files.get(shard).getFileName().toString(), copied));
        }
        List<ConversionReport.SkippedEntry> skipped = sel.skipped().stream()
                .map(s -> new ConversionReport.SkippedEntry(s.name(), s.what())).toList();
        long sourceBytes = sourceBytes(source);
        List<String> warnings = new ArrayList<>();
        long tensorOnly = fileBytes - (index.isPresent() ? Files.size(index.get()) : 0);
        if (sourceBytes > 0 && tensorOnly - sourceBytes > sourceBytes / 100) {
            long copied = written.stream().filter(ConversionReport.WrittenTensor::copied).count();
            warnings.add(String.format(Locale.ROOT, "the output is %.1f%% larger than the source (convert.py refuses"
                    + " over 1%%)%s", 100.0 * (tensorOnly - sourceBytes) / sourceBytes, copied == 0 ? ""
                    : "; " + copied + " tensors were copied from views, whose bytes the source shares"));
        }
        return new ConversionReport(source.path(), source.format(), files, index, written, aliases, skipped,
                sel.skippedCount(), sel.notSelected(), sel.notSelectedCount(), fileBytes, sourceBytes, warnings,
                Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * Bytes of the files the source's tensors come from (as convert.py's {@code check_file_size}
     * compares): every shard of a sharded source. 0 for in-memory tensors.
     */
    private static long sourceBytes(TensorFile source) {
        Set<Path> files = new java.util.LinkedHashSet<>();
        for (Tensor t : source.tensors()) {
            if (t.file() != null) {
                files.add(t.file());
            }
        }
        long total = 0;
        for (Path f : files) {
            try {
                total += Files.size(f);
            } catch (IOException e) {
                return 0; // unknown: no size check
            }
        }
        return total;
    }

    private static List<Path> shardNames(Path out, int n) {
        if (n == 1) {
            return List.of(out);
        }
        String stem = stem(out);
        List<Path> names = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            names.add(out.resolveSibling(String.format(Locale.ROOT, "%s-%05d-of-%05d.safetensors", stem, i, n)));
        }
        return names;
    }

    private static Path indexName(Path out) {
        return out.resolveSibling(stem(out) + ".safetensors.index.json");
    }

    private static String stem(Path out) {
        String name = out.getFileName().toString();
        return name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
    }

    private static long writeIndex(Path temp, Path target, List<Map<String, Tensor>> shards, List<Path> files,
            long totalSize) throws PtsafeException {
        Map<String, String> weightMap = new TreeMap<>();
        for (int i = 0; i < shards.size(); i++) {
            for (String name : shards.get(i).keySet()) {
                weightMap.put(name, files.get(i).getFileName().toString());
            }
        }
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            OutputStream os = Channels.newOutputStream(ch);
            try (JsonGenerator g = new JsonFactory().createGenerator(os)) {
                g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
                g.useDefaultPrettyPrinter();
                g.writeStartObject();
                g.writeObjectFieldStart("metadata");
                g.writeNumberField("total_size", totalSize);
                g.writeEndObject();
                g.writeObjectFieldStart("weight_map");
                for (Map.Entry<String, String> e : weightMap.entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            os.write('\n');
            ch.force(true);
            return ch.size();
        } catch (IOException e) {
            throw new PtsafeException(Reason.IO_ERROR, target, "cannot write the index: " + e, e);
        }
    }

    private static List<Path> createParents(Path out) throws PtsafeException {
        List<Path> created = new ArrayList<>();
        Path dir = out.toAbsolutePath().getParent();
        while (dir != null && !Files.exists(dir)) {
            created.addFirst(dir);
            dir = dir.getParent();
        }
        try {
            for (Path d : created) {
                Files.createDirectory(d);
            }
        } catch (IOException e) {
            deleteEmpty(created);
            throw new PtsafeException(Reason.IO_ERROR, out, "cannot create its folder: " + e, e);
        }
        return created;
    }

    private static void deleteEmpty(List<Path> created) {
        for (Path d : created.reversed()) {
            try {
                Files.deleteIfExists(d);
            } catch (IOException ignored) {
                // not empty (someone else wrote there) or already gone: leave it
            }
        }
    }

    /** Options of a conversion. */
    public static final class Builder {
        private String select;
        private long maxShardSize;
        private Set<String> preferredNames = Set.of();
        private Set<String> discardNames = Set.of();
        private LoadOptions loadOptions = LoadOptions.defaults();
        private ProgressListener progress = ProgressListener.NONE;

        private Builder() {
        }

        /**
         * Converts only the tensors under {@code key} (a dotted name such as {@code model} or
         * {@code model.encoder}), written without that prefix. Null for all (the default).
         *
         * @param key the dotted name, or null for all
         * @return this builder
         * @throws IllegalArgumentException when {@code key} is empty or starts or ends with a dot
         */
        public Builder select(String key) {
            if (key != null && (key.isEmpty() || key.startsWith(".") || key.endsWith("."))) {
                throw new IllegalArgumentException("select: '" + key + "' is not a dotted name");
            }
            this.select = key;
            return this;
        }

        /**
         * Splits the output into shards of at most this many tensor bytes (a larger tensor gets a
         * shard of its own), with an index file.
         *
         * @param bytes the most tensor bytes per shard; 0 (the default) for one file
         * @return this builder
         * @throws IllegalArgumentException when {@code bytes} is negative
         */
        public Builder maxShardSize(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxShardSize: " + bytes + " is negative");
            }
            this.maxShardSize = bytes;
            return this;
        }

        /**
         * Names to keep, above all others, when tensors share storage (the reference's
         * {@code preferred_names}).
         *
         * @param names output names (after selection); replaces any set before
         * @return this builder
         */
        public Builder preferredNames(Set<String> names) {
            this.preferredNames = Set.copyOf(names);
            return this;
        }

        /**
         * Names not to keep when another will do (the reference's {@code discard_names}, e.g. tied
         * weight keys).
         *
         * @param names output names (after selection); replaces any set before
         * @return this builder
         */
        public Builder discardNames(Set<String> names) {
            this.discardNames = Set.copyOf(names);
            return this;
        }

        /**
         * Limits for opening the source by path; by default {@link LoadOptions#defaults()}.
         *
         * @param options the limits
         * @return this builder
         */
        public Builder loadOptions(LoadOptions options) {
            this.loadOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Where to report progress; by default {@link ProgressListener#NONE}.
         *
         * @param listener told of bytes written and then verified (the total counts both passes)
         * @return this builder
         */
        public Builder progress(ProgressListener listener) {
            this.progress = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** {@return a converter with these options} */
        public SafetensorsConverter build() {
            return new SafetensorsConverter(this);
        }
    }
}
