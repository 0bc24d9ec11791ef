package io.ptsafe;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * An open model file: its tensors as views of one memory mapping per file, and whatever else it
 * holds as inert data.
 *
 * <p>Thread-safe for reading: any number of threads may list tensors and read their data while the
 * file is open. {@link #close()} unmaps the file; reads that race with it, or come after it, throw
 * {@link TensorFileClosedException} (never a JVM crash). The file must not be changed on disk while
 * it is open: see {@link Reason#FILE_CHANGED}.
 *
 * <p>Opening throws the checked {@link PtsafeException} for a refused file; once open, nothing throws
 * a checked exception: a missing tensor, a closed file, a conversion a dtype does not take are the
 * caller's mistakes, unchecked (see {@link Tensor}).
 */
public interface TensorFile extends AutoCloseable {

    /** {@return the path opened (the index for a sharded checkpoint)} */
    Path path();

    /** {@return the container the file was read from} */
    FileFormat format();

    /**
     * Every tensor, in file order: header order for safetensors, the order of a depth-first walk of
     * the pickled tree for torch checkpoints (see {@link #root()} for naming). Reading them throws
     * no checked exception, so streams need no try/catch:
     * {@code file.tensors().stream().map(Tensor::toFloatArray)}.
     *
     * @return the tensors, in file order
     */
    List<Tensor> tensors();

    /**
     * {@return the tensor names, in the order of {@link #tensors()}: as the file lists them (for
     * safetensors, the header's order)} As safetensors' {@code keys()}.
     */
    default List<String> keys() {
        return tensors().stream().map(Tensor::name).toList();
    }

    /**
     * {@return the tensor of that name, or empty}
     *
     * @param name a name as {@link Tensor#name()} gives it (see {@link #root()} for naming)
     */
    Optional<Tensor> findTensor(String name);

    /**
     * {@return whether the file has a tensor of that name}
     *
     * @param name a name as {@link Tensor#name()} gives it
     */
    default boolean contains(String name) {
        return findTensor(name).isPresent();
    }

    /**
     * {@return the tensor of that name} As safetensors' {@code get_tensor(name)}, without a copy.
     *
     * @param name a name as {@link Tensor#name()} gives it (see {@link #root()} for naming)
     * @throws NoSuchElementException when the file has no tensor of that name (a caller's mistake:
     *         use {@link #findTensor} or {@link #contains} when the name may be absent)
     */
    default Tensor tensor(String name) {
        return findTensor(name).orElseThrow(() -> new NoSuchElementException((path() == null ? "" : path() + ": ")
                + "no tensor named '" + name + "' (the file has " + tensors().size() + " tensors)"));
    }

    /**
     * {@return the safetensors {@code __metadata__} (merged over the shards of a sharded
     * checkpoint); empty for files without it and for torch checkpoints}
     */
    Map<String, String> metadata();

    /**
     * The whole decoded content. For torch checkpoints, the unpickled tree: dicts, lists, numbers,
     * strings and tensors. For safetensors, a dict of name to tensor in header order.
     *
     * <p>Tensor names come from walking this tree: dict keys (str, or int in decimal) joined with
     * ".", list and tuple elements by decimal index; a bare tensor at the root is named "". A tensor
     * reachable under two names is listed under both.
     *
     * @return the root of the decoded tree
     */
    PyValue root();

    /** Unmaps the file and frees every copy made from it. Idempotent. */
    @Override
    void close();
}
