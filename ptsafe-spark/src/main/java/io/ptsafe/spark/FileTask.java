package io.ptsafe.spark;

import java.io.Serial;
import java.io.Serializable;
import java.util.Objects;

/**
 * One file found on the driver, for an executor to scan; or a file already known not to be
 * scanned ({@link #skipReason}) or not readable ({@link #error}), which becomes its row as it is.
 *
 * @param location   how rows name it: the local path as given, or the remote path qualified
 * @param local      whether it is on a local file system (read in place) or remote (copied first)
 * @param named      whether the caller named it (always reported) or it was found by walking
 *                   (reported only when some format recognises it, as {@code ptsafe scan} does)
 * @param size       its size, for balancing partitions (0 when unknown)
 * @param skipReason why it is not scanned (a link cycle, a file seen under another name), or null
 * @param error      why it cannot be read (a folder that cannot be listed), or null
 */
record FileTask(String location, boolean local, boolean named, long size, String skipReason, String error)
        implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    FileTask {
        Objects.requireNonNull(location, "location");
    }

    static FileTask scan(String location, boolean local, boolean named, long size) {
        return new FileTask(location, local, named, size, null, null);
    }

    static FileTask skipped(String location, String reason) {
        return new FileTask(location, true, false, 0, reason, null);
    }

    static FileTask error(String location, boolean local, String message) {
        return new FileTask(location, local, true, 0, null, message);
    }
}
