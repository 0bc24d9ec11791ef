package io.ptsafe.spi;

import io.ptsafe.FileFormat;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link TensorFile} over tensors a provider has fully validated. Owns the arena of the file's
 * mapping (and of copies made from it) and any further resources, all closed with it.
 */
public final class BasicTensorFile implements TensorFile {
    private final Path path;
    private final FileFormat format;
    private final List<Tensor> tensors;
    private final NameIndex byName;
    private final Map<String, String> metadata;
    /** The decoded tree; null until {@link #root()} first builds the dict of name to tensor (see there). */
    private volatile PyValue root;
    /** The kind of dict {@link #root()} builds when it is null ("dict", or the kind of a flat tree dropped at open). */
    private final String rootKind;
    private final Arena arena;
    private final List<AutoCloseable> resources;
    private volatile boolean closed;

    /**
     * Creates a file over validated tensors. It takes ownership of {@code arena} and
     * {@code resources}: {@link #close()} closes the resources in order, then the arena.
     *
     * @param path      the path opened, as {@link #path()} reports it
     * @param format    the container the file was read from
     * @param tensors   in file order; names must be unique
     * @param metadata  the safetensors {@code __metadata__}, or an empty map; copied
     * @param root      the decoded tree, or null to present a dict of name to tensor
     * @param arena     the arena of the file's mapping (closed on close), or null
     * @param resources further things to close with the file (shards), in order
     * @throws PtsafeException of {@link Reason#DUPLICATE_TENSOR} when two tensors share a name
     */
    public BasicTensorFile(Path path, FileFormat format, List<Tensor> tensors, Map<String, String> metadata,
            PyValue root, Arena arena, List<? extends AutoCloseable> resources) throws PtsafeException {
        this.path = path;
        this.format = format;
        this.tensors = List.copyOf(tensors);
        try {
            this.byName = NameIndex.of(this.tensors);
        } catch (NameIndex.Duplicate d) {
            throw new PtsafeException(Reason.DUPLICATE_TENSOR, path, "tensor name '" + d.name() + "' appears twice");
        }
        this.metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        if (root instanceof PyValue.Dict d && isFlat(d, this.tensors)) {
            // A state dict of name to tensor, exactly what root() builds: not kept (a map entry, a key and
            // a value object per tensor, ~80 bytes), built again if asked for.
            this.root = null;
            this.rootKind = d.kind();
        } else {
            this.root = root;
            this.rootKind = "dict";
        }
        if (arena instanceof FileArena f) {
            f.opened();
        }
        this.arena = arena;
        this.resources = new ArrayList<>(resources);
    }

    @Override public Path path() { return path; }
    @Override public FileFormat format() { return format; }
    @Override public List<Tensor> tensors() { return tensors; }
    @Override public Optional<Tensor> findTensor(String name) { return Optional.ofNullable(byName.get(name)); }

    /**
     * Whether {@code root} holds exactly the tensors, in order, each under its own name as a
     * {@code str} key, the very {@link Tensor} listed: then {@link #root()} can build an equal dict.
     */
    private static boolean isFlat(PyValue.Dict root, List<Tensor> tensors) {
        Map<PyValue, PyValue> entries = root.entries();
        if (entries.size() != tensors.size()) {
            return false;
        }
        int i = 0;
        for (Map.Entry<PyValue, PyValue> e : entries.entrySet()) {
            Tensor t = tensors.get(i++);
            if (!(e.getKey() instanceof PyValue.Str k) || !(e.getValue() instanceof PyValue.TensorValue v)
                    || v.tensor() != t || !k.value().equals(t.name())) {
                return false;
            }
        }
        return true;
    }
    @Override public Map<String, String> metadata() { return metadata; }

    /**
     * {@inheritDoc} Without a decoded tree (safetensors), or when the tree was a flat dict of name to
     * tensor (a torch state dict, dropped at open), the dict of name to tensor is built on the first
     * call, not kept from the open: it is four objects per tensor that most callers never ask for. It
     * equals the dropped tree: same kind of dict, same keys in the same order, the same tensors.
     */
    @Override
    public PyValue root() {
        PyValue r = root;
        if (r == null) {
            synchronized (this) {
                r = root;
                if (r == null) {
                    Map<PyValue, PyValue> m = LinkedHashMap.newLinkedHashMap(tensors.size());
                    for (Tensor t : tensors) {
                        m.put(new PyValue.Str(t.name()), new PyValue.TensorValue(t));
                    }
                    r = new PyValue.Dict(m, rootKind);
                    root = r;
                }
            }
        }
        return r;
    }

    /** {@return whether {@link #close()} has been called} */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                if (first == null) {
                    first = new IllegalStateException("closing " + path, e);
                }
            }
        }
        if (arena != null) {
            arena.close();
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "TensorFile[" + path + ", " + format + ", " + tensors.size() + " tensors]";
    }
}
