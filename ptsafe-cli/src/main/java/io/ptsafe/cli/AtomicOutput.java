package io.ptsafe.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@code --output FILE}: the report is written to a temporary file in FILE's folder, forced to disk,
 * then moved over FILE in one atomic rename, so that a reader (a CI step uploading SARIF, a
 * dashboard polling the file) sees the old report or the new one, never half of one; a failure
 * leaves FILE as it was and no temporary file behind.
 */
final class AtomicOutput {
    private AtomicOutput() {
    }

    static void write(Path file, byte[] content) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (Files.isDirectory(target)) {
            throw new IOException(file + ": is a folder; --output names the report file to write");
        }
        if (!Files.isDirectory(dir)) {
            throw new IOException(file + ": the folder " + dir + " does not exist");
        }
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                // the temporary file is in the target's folder, so one file system: only exotic ones say this
                throw new IOException(file + ": the file system cannot replace a file atomically", e);
            }
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
