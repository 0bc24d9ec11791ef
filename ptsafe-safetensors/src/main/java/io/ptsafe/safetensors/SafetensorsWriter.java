package io.ptsafe.safetensors;

import io.ptsafe.PtsafeException;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes safetensors files: from an open {@link TensorFile}, or from tensors named one by one
 * (in-memory ones from {@link Tensor#of}), plus {@code __metadata__}.
 *
 * <pre>{@code
 * try (TensorFile in = SafeLoader.open(Path.of("model.safetensors"))) {
 *     SafetensorsWriter.create().addAll(in).metadata("format", "pt").write(Path.of("copy.safetensors"));
 * }
 * }</pre>
 *
 * <p><b>Layout.</b> As the reference writer ({@code prepare} in huggingface/safetensors
 * {@code tensor.rs}) lays it out, so that for the same tensors and metadata the file is byte for
 * byte what the reference writes: tensors sorted by the reference's dtype order descending (widest
 * types first, keeping data aligned) then by name (UTF-8 byte order); the header is compact JSON with
 * {@code __metadata__} first and each entry's keys as {@code dtype, shape, data_offsets}, padded with
 * spaces to a multiple of 8; tensor data packed with no holes. Two differences: the reference keeps
 * metadata in a hash map, so its key order is unspecified where ptsafe writes keys in the order given
 * (the files agree byte for byte when the metadata has at most one key); and ptsafe omits
 * {@code __metadata__} when it is empty where the reference writes {@code {}} if handed an empty map.
 *
 * <p><b>Refusals</b> ({@link io.ptsafe.Reason#CANNOT_WRITE}): dtypes safetensors has no name for
 * ({@code C32}, {@code C128}, quantized types; ptsafe prints complex128 as {@code C128} but never
 * writes it), empty or repeated names, a tensor named {@code __metadata__}, strings with unpaired
 * surrogates, and headers over the 100,000,000 bytes readers accept.
 *
 * <p><b>Streaming and atomicity.</b> Tensor bytes go from their mapping to the file in blocks of
 * 1 MiB, cut at each 1 MiB of the file (a strided or big-endian tensor is gathered into contiguous
 * little-endian bytes a few MiB at a time, never copied whole), and the mapped pages are released once written, so neither heap nor
 * resident memory grows with model size. The file is written under a temporary
 * name in the target's folder, forced to disk, then renamed onto the target atomically; on any
 * failure, an interrupt included, no temporary file remains and an existing target is untouched.
 *
 * <p>Not thread-safe; one writer per thread.
 */
public final class SafetensorsWriter {
    private final List<Map.Entry<String, Tensor>> tensors = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private ProgressListener progress = ProgressListener.NONE;

    private SafetensorsWriter() {
    }

    /** {@return a writer with no tensors and no metadata} */
    public static SafetensorsWriter create() {
        return new SafetensorsWriter();
    }

    /**
     * Writes every tensor and the metadata of a file to a new safetensors file, atomically.
     *
     * @param file   the open file to copy; must stay open during the call
     * @param target the file to write; its folder must exist
     * @return the size of the file written, in bytes
     * @throws PtsafeException as {@link #write(Path)} does
     */
    public static long write(TensorFile file, Path target) throws PtsafeException {
        return create().addAll(file).write(target);
    }

    /**
     * Adds a tensor under its own {@link Tensor#name()}.
     *
     * @param tensor the tensor; its file, if any, must stay open until {@link #write} returns
     * @return this writer
     */
    public SafetensorsWriter add(Tensor tensor) {
        return add(tensor.name(), tensor);
    }

    /**
     * Adds a tensor under a name of its own. Names are checked by {@link #write}.
     *
     * @param name   the name to write it under
     * @param tensor the tensor; its file, if any, must stay open until {@link #write} returns
     * @return this writer
     */
    public SafetensorsWriter add(String name, Tensor tensor) {
        tensors.add(Map.entry(Objects.requireNonNull(name, "name"), Objects.requireNonNull(tensor, "tensor")));
        return this;
    }

    /**
     * Adds every tensor of a file under its name, and its metadata.
     *
     * @param file the file; it must stay open until {@link #write} returns
     * @return this writer
     */
    public SafetensorsWriter addAll(TensorFile file) {
        file.tensors().forEach(this::add);
        return metadata(file.metadata());
    }

    /**
     * Sets one {@code __metadata__} entry, replacing an earlier value of the key.
     *
     * @param key   the key; must not be null
     * @param value the value; must not be null
     * @return this writer
     */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return this;
    }

    /**
     * Sets {@code __metadata__} entries in the map's iteration order, each as
     * {@link #metadata(String, String)} does.
     *
     * @param entries the keys and values; none may be null
     * @return this writer
     */
    public SafetensorsWriter metadata(Map<String, String> entries) {
        entries.forEach(this::metadata);
        return this;
    }

    /**
     * Sets where to report progress; by default {@link ProgressListener#NONE}.
     *
     * @param listener told of the tensor bytes written
     * @return this writer
     */
    public SafetensorsWriter progress(ProgressListener listener) {
        this.progress = Objects.requireNonNull(listener, "listener");
        return this;
    }

    /**
     * Writes the file atomically.
     *
     * @param target the file to write; its folder must exist, an existing file is replaced
     * @return the size of the file written
     * @throws PtsafeException {@link io.ptsafe.Reason#CANNOT_WRITE} for input safetensors cannot
     *         hold or when {@code target} is a folder, {@link io.ptsafe.Reason#IO_ERROR} when the
     *         folder is missing or the disk refuses (full, read-only, interrupted),
     *         {@link io.ptsafe.Reason#FILE_CHANGED} when a source file was truncated while mapped,
     *         {@link io.ptsafe.Reason#VALIDATION_OVERFLOW} when the sizes add up past 2^63
     * @throws io.ptsafe.TensorFileClosedException when a tensor's file was closed (nothing is left behind)
     */
    public long write(Path target) throws PtsafeException {
        Layout layout = Layout.plan(tensors, metadata, target);
        try (AtomicOutput out = new AtomicOutput()) {
            Path temp = out.newTemp(target);
            new DataCopier(new Progress(progress, layout.dataBytes())).write(layout, temp, target);
            out.commit();
        }
        return layout.fileSize();
    }
}
