package io.ptsafe.scan;

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
import java.util.Objects;

/**
 * The walk of {@link io.ptsafe.SafeLoader#scanTree} (docs/scanning.md) without the scanning: which
 * files a tree scan reads, and why it reads no others. Every entry of every folder, hidden ones
 * included, in name order; symbolic links followed; a link cycle, a folder or file met a second time
 * (by its real path, across all the roots given to one listing), a broken link, a fifo, socket or
 * device listed as skipped with the reason text {@link TreeScan.Skipped} gives; a path that cannot be
 * listed or resolved reported as an error. Used by {@code scanTree} itself and by the ptsafe-spark
 * data source, so that both name, skip and report the same files.
 *
 * <p>One instance per listing (its roots share the record of what was met); not thread-safe. A
 * file is never opened here: whether it is a model file, an archive or neither is the scan's business.
 */
public final class TreeListing {
    /** What the walk finds, in order. */
    public interface Visitor {
        /**
         * A regular file to scan.
         *
         * @param file     the path to read
         * @param location how reports name it (the path as walked, links not resolved)
         * @param named    whether the caller gave it as a root (a file met by walking that no format
         *                 recognises is only listed as not a model file; a named one is reported)
         */
        void file(Path file, String location, boolean named);

        /**
         * An entry not scanned.
         *
         * @param location the entry as walked
         * @param reason   why, e.g. {@code "symbolic link cycle: ..."}
         */
        void skipped(String location, String reason);

        /**
         * A folder that cannot be listed or a path that cannot be resolved: its files cannot be
         * accounted for, so a tree scan reports it as an invalid file.
         *
         * @param location the entry as walked
         * @param message  what failed, with the JDK's exception
         */
        void error(String location, String message);

        /**
         * A symbolic link whose target lies outside the root folder being walked; it is walked or
         * scanned as well. By default nothing is recorded.
         *
         * @param location the link as walked
         * @param target   the real path it leads to
         */
        default void outsideLink(String location, Path target) {
        }
    }

    private final Visitor visitor;
    /** Real paths of the folders walked and files listed, with where they were first met. */
    private final Map<Path, String> seen = new HashMap<>();
    private final Deque<Path> ancestors = new ArrayDeque<>();

    /**
     * A listing that tells {@code visitor} what it finds.
     *
     * @param visitor told of every file, skipped entry and error, in walk order
     */
    public TreeListing(Visitor visitor) {
        this.visitor = Objects.requireNonNull(visitor, "visitor");
    }

    /**
     * Lists a path the caller gave: a folder is walked; anything else is a named file (even when
     * it does not exist: the scan reports why it cannot be read).
     *
     * @param p a file or folder
     */
    public void root(Path p) {
        if (Files.isDirectory(p)) {
            Path real;
            try {
                real = p.toRealPath();
            } catch (IOException e) {
                visitor.error(p.toString(), "cannot resolve the folder: " + e);
                return;
            }
            seen.put(real, p.toString());
            walk(p, real, real);
        } else {
            visitor.file(p, p.toString(), true);
        }
    }

    private void walk(Path dir, Path real, Path root) {
        ancestors.push(real);
        try {
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
                s.forEach(children::add);
            } catch (IOException | RuntimeException e) {
                // its files cannot be accounted for: the folder itself fails the scan
                visitor.error(dir.toString(), "cannot list the folder: " + e);
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
            visitor.skipped(loc, "broken symbolic link to " + linkTarget(c));
            return;
        } catch (IOException | RuntimeException e) {
            visitor.error(loc, "cannot resolve the path: " + e);
            return;
        }
        if (Files.isSymbolicLink(c) && !real.startsWith(root)) {
            visitor.outsideLink(loc, real);
        }
        if (Files.isDirectory(real)) {
            if (ancestors.contains(real)) {
                visitor.skipped(loc, "symbolic link cycle: it leads back to the folder " + real
                        + ", which is being walked");
                return;
            }
            String first = seen.putIfAbsent(real, loc);
            if (first != null) {
                visitor.skipped(loc, "the same folder as " + first + ", walked there");
                return;
            }
            walk(c, real, root);
        } else if (Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            String first = seen.putIfAbsent(real, loc);
            if (first != null) {
                visitor.skipped(loc, "the same file as " + first + ", scanned there");
                return;
            }
            visitor.file(c, loc, false);
        } else {
            // never opened: reading a fifo would block
            visitor.skipped(loc, "not a regular file (a fifo, socket or device)");
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
