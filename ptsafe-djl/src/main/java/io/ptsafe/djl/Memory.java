package io.ptsafe.djl;

/**
 * Where the NDArrays loaded from a file keep their values.
 */
public enum Memory {
    /**
     * The default: each tensor is copied once, from the file's memory mapping, into memory the engine
     * allocates and owns (for the PyTorch engine, a libtorch allocation made by {@code clone()}). The
     * arrays outlive the file, and in-place operations, optimizer steps and training-mode forward
     * passes are safe. Nothing passes through the Java heap.
     */
    COPY,

    /**
     * Zero-copy, for inference only: each NDArray is a view of the file's read-only memory mapping
     * (DJL's {@code NDManager.create} of a direct ByteBuffer, which the PyTorch engine wraps with
     * {@code torch::from_blob} without copying), so the weights stay in the page cache, shared with
     * every process mapping the file. Only with an open {@link io.ptsafe.TensorFile} the caller keeps.
     *
     * <p>What it forbids, because the engine does not know the memory is read-only and a write to it
     * kills the JVM with a segmentation fault (not an exception):
     * <ul>
     *   <li>any in-place operation on a loaded array ({@code addi}, {@code muli}, {@code set}, an
     *       {@code Optimizer} step, {@code Parameter} re-initialization);</li>
     *   <li>a training-mode forward pass ({@code BatchNorm} updates its running statistics in
     *       place) and gradients on loaded parameters;</li>
     *   <li>closing the {@code TensorFile} while any loaded array, or the block holding them, is
     *       still in use: close the NDManager (or the Model) first.</li>
     * </ul>
     * Arrays computed from the loaded ones are new engine memory and need no care; call
     * {@code duplicate()} on a loaded array to get a writable copy. A strided or big-endian tensor is
     * viewed over the contiguous copy ptsafe makes once in the file's arena (the same rules apply: it
     * is freed when the file closes); a widened or dequantized tensor is an engine-owned copy.
     */
    READ_ONLY_VIEW
}
