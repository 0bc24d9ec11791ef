package io.ptsafe.safetensors;

/** Counts bytes written and verified against a known total, and tells the listener. */
final class Progress {
    private final ProgressListener listener;
    private final long total;
    private long done;

    Progress(ProgressListener listener, long total) {
        this.listener = listener;
        this.total = total;
    }

    void advance(long bytes) {
        done += bytes;
        listener.onProgress(done, total);
    }
}
