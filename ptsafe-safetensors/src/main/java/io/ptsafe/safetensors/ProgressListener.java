package io.ptsafe.safetensors;

/**
 * Told how far a write has got, after every chunk of tensor data (at most a few MiB apart). Called on
 * the writing thread; an unchecked exception it throws aborts the write, which then leaves nothing
 * behind.
 */
@FunctionalInterface
public interface ProgressListener {
    /** Does nothing. */
    ProgressListener NONE = (done, total) -> {
    };

    /**
     * @param bytesDone  tensor bytes written so far (all files of a sharded write together)
     * @param bytesTotal tensor bytes to write in all
     */
    void onProgress(long bytesDone, long bytesTotal);
}
