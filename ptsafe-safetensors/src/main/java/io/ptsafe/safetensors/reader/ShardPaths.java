package io.ptsafe.safetensors.reader;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Where a shard named by an index may be: a plain file name, in the index's own folder. Refused with
 * {@link Reason#SHARD_OUTSIDE_FOLDER}: empty names, "." and "..", separators ('/' and '\'), NUL, ':'
 * (drive letters and NTFS streams), anything the file system cannot name, and symbolic links whose
 * target lies outside the folder, with one exception: the Hugging Face hub cache. There the index's
 * folder is {@code <repo>/snapshots/<revision>/} and each file in it is a link to
 * {@code <repo>/blobs/<hash>}; a shard whose link leads to a file directly in that repository's
 * {@code blobs} folder, named by a 40- or 64-digit lowercase hex hash as the hub names them, is
 * followed. Nothing else outside the folder is.
 */
final class ShardPaths {
    private ShardPaths() {
    }

    /** Checks the characters of a shard name as the index gives it. */
    static void checkName(String shard, Path index, String where) throws PtsafeException {
        String why = null;
        if (shard.isEmpty()) {
            why = "is empty";
        } else if (shard.equals(".") || shard.equals("..")) {
            why = "names a folder";
        } else {
            for (int i = 0; i < shard.length() && why == null; i++) {
                char c = shard.charAt(i);
                if (c == '/' || c == '\\') {
                    why = "holds a path separator '" + c + "'";
                } else if (c == ':') {
                    why = "holds ':'";
                } else if (c == 0) {
                    why = "holds a NUL character";
                }
            }
        }
        if (why != null) {
            throw outside(index, "shard name '" + JsonReader.abbreviate(shard) + "' (" + where + ") " + why
                    + "; a shard must be a plain file name in the index's folder");
        }
    }

    /**
     * The shard's real path, after checking it is a regular file directly inside {@code folderReal}
     * (the index folder's real path), following symbolic links.
     */
    static Path resolve(Path folderReal, String shard, Path index) throws PtsafeException {
        Path path;
        try {
            path = folderReal.resolve(shard);
        } catch (InvalidPathException e) {
            throw outside(index, "shard name '" + JsonReader.abbreviate(shard) + "' is not a file name here: "
                    + e.getReason());
        }
        if (!folderReal.equals(path.getParent())) {
            throw outside(index, "shard '" + JsonReader.abbreviate(shard) + "' resolves to " + path
                    + ", outside " + folderReal);
        }
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new PtsafeException(Reason.SHARD_MISSING, index, "shard '" + shard + "' does not exist (looked for "
                    + path + ")");
        }
        Path real;
        try {
            real = path.toRealPath();
        } catch (NoSuchFileException e) {
            throw new PtsafeException(Reason.SHARD_MISSING, index, "shard '" + shard
                    + "' is a symbolic link to nothing (" + path + ")", e);
        } catch (IOException e) {
            throw new PtsafeException(Reason.IO_ERROR, index, "cannot resolve shard '" + shard + "': " + e, e);
        }
        if (!folderReal.equals(real.getParent()) && !isHubBlob(folderReal, real)) {
            throw outside(index, "shard '" + shard + "' is a symbolic link to " + real + ", outside the index's folder "
                    + folderReal);
        }
        if (!Files.isRegularFile(real)) {
            throw new PtsafeException(Reason.SHARD_MISSING, index, "shard '" + shard + "' is not a regular file ("
                    + real + ")");
        }
        return real;
    }

    /**
     * Whether {@code real} is a blob of the Hugging Face cache repository whose snapshot folder is
     * {@code folderReal}: {@code <repo>/snapshots/<revision>} and {@code <repo>/blobs/<hash>}.
     */
    static boolean isHubBlob(Path folderReal, Path real) {
        Path snapshots = folderReal.getParent();
        if (snapshots == null || snapshots.getFileName() == null || !snapshots.getFileName().toString().equals("snapshots")
                || snapshots.getParent() == null) {
            return false;
        }
        Path blobs = snapshots.getParent().resolve("blobs");
        return blobs.equals(real.getParent()) && isHash(real.getFileName().toString());
    }

    /** The hub names blobs by the git SHA-1 (40 digits) or the LFS SHA-256 (64 digits) of their bytes. */
    private static boolean isHash(String name) {
        if (name.length() != 40 && name.length() != 64) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static PtsafeException outside(Path index, String message) {
        return new PtsafeException(Reason.SHARD_OUTSIDE_FOLDER, index, message);
    }
}
