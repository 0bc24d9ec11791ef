package io.ptsafe.spark;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Lists local files on the driver by the rules of {@code SafeLoader.scanTree}'s walk (docs/scanning.md),
 * so that the rows name, skip and report exactly the files {@code ptsafe scan} does: every entry in
 * name order, hidden ones included; links followed; a link cycle, a folder or file met a second time,
 * a broken link, a fifo or device listed as skipped with the same reason text. Only the scanning
 * itself is left to the executors. One instance per listing; not thread-safe.
 */
final class LocalListing {
    private final List<FileTask> tasks = new ArrayList<>();
    /** Real paths of the folders walked and files listed, with where they were first met. */
    private final Map<Path, String> seen = new HashMap<>();
    private final Deque<Path> ancestors = new ArrayDeque<>();

    List<FileTask> tasks() {
        return tasks;
    }

    /** A path the caller gave: a folder is walked; anything else is scanned and always reported. */
    void root(Path p) {
        if (Files.isDirectory(p)) {
            Path real;
            try {
                real = p.toRealPath();
            } catch (IOException e) {
                tasks.add(FileTask.error(p.toString(), true, "cannot resolve the folder: " + e));
                return;
            }
            seen.put(real, p.toString());
            walk(p, real, real);
        } else {
            tasks.add(FileTask.scan(p.toString(), true, true, size(p)));
        }
    }

    private void walk(Path dir, Path real, Path root) {
        ancestors.push(real);
        try {
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                s.forEach(children::add);
            } catch (IOException | RuntimeException e) {
                tasks.add(FileTask.error(dir.toString(), true, "cannot list the folder: " + e));
                return;
            }
            children.sort(null);
            for (Path c : children) {
                child(c, root);
            }
        } finally {
            ancestors.pop();
        }
    }

    private void child(Path c, Path root) {
        String loc = c.toString();
        Path real;
        try {
            real = c.toRealPath();
        } catch (NoSuchFileException e) {
            tasks.add(FileTask.skipped(loc, "broken symbolic link to " + linkTarget(c)));
            return;
        } catch (IOException | RuntimeException e) {
            tasks.add(FileTask.error(loc, true, "cannot resolve the path: " + e));
            return;
        }
        if (Files.isDirectory(real)) {
            if (ancestors.contains(real)) {
                tasks.add(FileTask.skipped(loc, "symbolic link cycle: it leads back to the folder " + real
                        + ", which is being walked"));
                return;
            }
            String first = seen.putIfAbsent(real, loc);
            if (first != null) {
                tasks.add(FileTask.skipped(loc, "the same folder as " + first + ", walked there"));
                return;
            }
            walk(c, real, root);
        } else if (Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            String first = seen.putIfAbsent(real, loc);
            if (first != null) {
                tasks.add(FileTask.skipped(loc, "the same file as " + first + ", scanned there"));
                return;
            }
            tasks.add(FileTask.scan(loc, true, false, size(real)));
        } else {
            tasks.add(FileTask.skipped(loc, "not a regular file (a fifo, socket or device)"));
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException | RuntimeException e) {
            return 0; // the executor reports why it cannot be read
        }
    }

    private static String linkTarget(Path link) {
        try {
            return Files.readSymbolicLink(link).toString();
        } catch (IOException | RuntimeException e) {
            return "a missing target";
        }
    }
}
