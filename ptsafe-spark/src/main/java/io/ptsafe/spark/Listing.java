package io.ptsafe.spark;

import io.ptsafe.scan.TreeListing;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The files under the paths a read was given, found on the driver: local paths by ptsafe-api's
 * {@link TreeListing}, the walk of {@code ptsafe scan} itself (so the rows name, skip and report
 * exactly the files it does), other Hadoop file systems (HDFS, S3 ...) by listing them recursively
 * in name order.
 */
final class Listing {
    private Listing() {
    }

    static List<FileTask> of(List<String> roots, Configuration conf) {
        List<FileTask> tasks = new ArrayList<>();
        TreeListing local = new TreeListing(new TreeListing.Visitor() {
            @Override
            public void file(java.nio.file.Path file, String location, boolean named) {
                tasks.add(FileTask.scan(location, true, named, size(file)));
            }

            @Override
            public void skipped(String location, String reason) {
                tasks.add(FileTask.skipped(location, reason));
            }

            @Override
            public void error(String location, String message) {
                tasks.add(FileTask.error(location, true, message));
            }
        });
        for (String root : roots) {
            Path p = new Path(root);
            FileSystem fs;
            try {
                fs = p.getFileSystem(conf);
            } catch (IOException e) {
                tasks.add(FileTask.error(root, false, "cannot reach its file system: " + e));
                continue;
            }
            if ("file".equals(fs.getScheme())) {
                // the path as the caller wrote it (as ptsafe scan would be given it), less a file: scheme
                URI u = p.toUri();
                java.nio.file.Path nio = u.getScheme() == null ? java.nio.file.Path.of(root) : java.nio.file.Path.of(u.getPath());
                local.root(nio);
            } else {
                remote(fs, fs.makeQualified(p), true, tasks);
            }
        }
        return tasks;
    }

    /** The size a local file task carries; 0 when unknown (the executor reports why it cannot be read). */
    private static long size(java.nio.file.Path p) {
        try {
            return java.nio.file.Files.size(p);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static void remote(FileSystem fs, Path p, boolean named, List<FileTask> tasks) {
        FileStatus st;
        try {
            st = fs.getFileStatus(p);
        } catch (FileNotFoundException e) {
            tasks.add(FileTask.error(p.toString(), false, "no such file or folder: " + p));
            return;
        } catch (IOException | RuntimeException e) {
            tasks.add(FileTask.error(p.toString(), false, "cannot read: " + e));
            return;
        }
        if (!st.isDirectory()) {
            tasks.add(FileTask.scan(p.toString(), false, named, st.getLen()));
            return;
        }
        FileStatus[] children;
        try {
            children = fs.listStatus(p);
        } catch (IOException | RuntimeException e) {
            tasks.add(FileTask.error(p.toString(), false, "cannot list the folder: " + e));
            return;
        }
        Arrays.sort(children, Comparator.comparing(c -> c.getPath().getName()));
        for (FileStatus c : children) {
            if (c.isDirectory()) {
                remote(fs, c.getPath(), false, tasks);
            } else if (c.isFile()) {
                tasks.add(FileTask.scan(c.getPath().toString(), false, false, c.getLen()));
            } else {
                tasks.add(new FileTask(c.getPath().toString(), false, false, 0, "not a regular file", null));
            }
        }
    }
}
