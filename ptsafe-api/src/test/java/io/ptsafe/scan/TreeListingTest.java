package io.ptsafe.scan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The walk rules of scanTree, as a visitor sees them: order, links, second visits. */
class TreeListingTest {
    @TempDir
    Path dir;

    @Test
    void listsInNameOrderFollowingLinksAndSkippingSecondVisits() throws IOException {
        Path root = Files.createDirectory(dir.resolve("root"));
        Path sub = Files.createDirectory(root.resolve("b"));
        Files.writeString(sub.resolve("w.pt"), "x");
        Files.writeString(root.resolve(".hidden"), "x");
        Files.createSymbolicLink(root.resolve("a-again"), sub.resolve("w.pt"));
        Files.createSymbolicLink(sub.resolve("loop"), root);
        Files.createSymbolicLink(root.resolve("c-broken"), root.resolve("none"));
        Path outside = Files.writeString(dir.resolve("outside.pt"), "x");
        Files.createSymbolicLink(root.resolve("d-out"), outside);

        List<String> seen = new ArrayList<>();
        TreeListing listing = new TreeListing(new TreeListing.Visitor() {
            @Override
            public void file(Path file, String location, boolean named) {
                seen.add("file " + dir.relativize(Path.of(location)) + (named ? " named" : ""));
            }

            @Override
            public void skipped(String location, String reason) {
                seen.add("skip " + dir.relativize(Path.of(location)) + ": " + reason.replace(dir.toString(), "DIR"));
            }

            @Override
            public void error(String location, String message) {
                seen.add("error " + location);
            }

            @Override
            public void outsideLink(String location, Path target) {
                seen.add("outside " + dir.relativize(Path.of(location)));
            }
        });
        listing.root(root);
        listing.root(outside);
        assertEquals(List.of(
                "file root/.hidden",
                "file root/a-again",
                "skip root/b/loop: symbolic link cycle: it leads back to the folder DIR/root, which is being walked",
                "skip root/b/w.pt: the same file as DIR/root/a-again, scanned there",
                "skip root/c-broken: broken symbolic link to DIR/root/none",
                "outside root/d-out",
                "file root/d-out",
                "file outside.pt named"), seen);
    }
}
