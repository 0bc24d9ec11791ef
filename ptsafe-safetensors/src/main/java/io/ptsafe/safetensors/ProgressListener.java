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
     * Called after each chunk is written (and, in a conversion, after each chunk is verified).
     *
     * @param bytesDone  tensor bytes written so far (all files of a sharded write together)
     * @param bytesTotal tensor bytes to write in all (twice that in a conversion, which counts the
     *                   verification pass too)
     */
    void onProgress(long bytesDone, long bytesTotal);
}
