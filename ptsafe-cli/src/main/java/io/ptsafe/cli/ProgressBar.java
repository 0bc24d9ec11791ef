package io.ptsafe.cli;

import io.ptsafe.safetensors.ProgressListener;
import java.io.PrintWriter;
import java.util.Locale;

/** A one-line bar redrawn with carriage returns, at most ten times a second. */
final class ProgressBar implements ProgressListener {
    private static final int WIDTH = 30;
    private static final long INTERVAL_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final String label;
    private long lastDraw;
    private boolean drawn;

    ProgressBar(PrintWriter err, String label) {
        this.err = err;
        this.label = label;
    }

    @Override
    public void onProgress(long done, long total) {
        long now = System.nanoTime();
        if (drawn && now - lastDraw < INTERVAL_NANOS && done < total) {
            return;
        }
        lastDraw = now;
        drawn = true;
        double f = total == 0 ? 1 : (double) done / total;
        int fill = (int) Math.round(f * WIDTH);
        // the total counts writing and then verifying every byte
        String phase = done * 2 <= total ? "writing" : "verifying";
        err.print(String.format(Locale.ROOT, "\r%s [%s%s] %3d%% %s", label, "#".repeat(fill), " ".repeat(WIDTH - fill),
                Math.round(f * 100), phase));
        err.flush();
    }

    /** Erases the bar. */
    void clear() {
        if (drawn) {
            err.print("\r" + " ".repeat(label.length() + WIDTH + 20) + "\r");
            err.flush();
        }
    }
}
