package io.ptsafe;

/** The container a {@link TensorFile} was read from, decided from the file's bytes. */
public enum FileFormat {
    /** A safetensors file. */
    SAFETENSORS,
    /** A {@code torch.save} zip archive (torch 1.6 and later). */
    TORCH_ZIP,
    /** A legacy {@code torch.save} stream (before torch 1.6, or {@code _use_new_zipfile_serialization=False}). */
    TORCH_LEGACY,
    /**
     * A TorchScript archive ({@code torch.jit.save}), read for its weights only, when
     * {@link LoadOptions#allowTorchScriptWeights()} is set: its programs are never run.
     */
    TORCHSCRIPT,
    /** A sharded checkpoint: an index JSON and the shard files it names, presented as one file. */
    SHARDED,
    /** A numpy {@code .npy} array, or a {@code .npz} zip of them ({@code np.save}, {@code np.savez}). */
    NUMPY
}
