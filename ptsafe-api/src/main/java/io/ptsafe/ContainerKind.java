package io.ptsafe;

/**
 * What a scanned file is, decided from its bytes (never its name). Wider than {@link FileFormat}:
 * it also names the containers ptsafe recognises but does not load.
 */
public enum ContainerKind {
    /** A safetensors file. */
    SAFETENSORS,
    /** A sharded safetensors checkpoint: its index JSON, or a folder holding one. */
    SHARDED,
    /** A {@code torch.save} zip archive (torch 1.6 and later). */
    TORCH_ZIP,
    /** A legacy {@code torch.save} stream (torch before 1.6, or {@code _use_new_zipfile_serialization=False}). */
    TORCH_LEGACY,
    /** A tar archive, such as torch's 2017 checkpoint format: refused, as torch's weights_only refuses it. */
    TAR,
    /** A TorchScript archive ({@code torch.jit.save}): it holds code. */
    TORCHSCRIPT,
    /** A {@code torch.package} archive: it holds code. */
    TORCH_PACKAGE,
    /** A pickle that is no torch checkpoint ({@code pickle.dump}, or any protocol 0/1 stream). */
    PICKLE,
    /** A numpy {@code .npy} array or {@code .npz} archive of them. */
    NUMPY,
    /** A zip archive that is none of the above. */
    ZIP,
    /** None of the above. */
    UNKNOWN,
    /** A gzip, bzip2 or xz stream that is not a tar: a tree scan scans what it decompresses to. */
    COMPRESSED;

    /** {@return whether the container holds code by design (TorchScript, torch.package)} */
    public boolean holdsCode() {
        return this == TORCHSCRIPT || this == TORCH_PACKAGE;
    }

    /**
     * {@return the kind of a file ptsafe loaded}
     *
     * @param format the format {@link TensorFile#format()} reports
     */
    public static ContainerKind of(FileFormat format) {
        return switch (format) {
            case SAFETENSORS -> SAFETENSORS;
            case TORCH_ZIP -> TORCH_ZIP;
            case TORCH_LEGACY -> TORCH_LEGACY;
            case TORCHSCRIPT -> TORCHSCRIPT;
            case SHARDED -> SHARDED;
            case NUMPY -> NUMPY;
        };
    }
}
