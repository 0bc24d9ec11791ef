package io.ptsafe.spi;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * What a provider may look at to recognise a file: its path, kind, size and first bytes. A probe of
 * content already in memory ({@link #of(Path, MemorySegment)}) carries that content, and its path is
 * only a name for messages: providers read the bytes through {@link MappedFiles#open(FileProbe, MappedFiles.Reading)}
 * or {@link MappedFiles#read(FileProbe, MappedFiles.Reading)}, never from {@link #path()} on disk.
 */
public final class FileProbe {
    /** How many leading bytes a probe holds. */
    public static final int HEAD_BYTES = 4096;

    private final Path path;
    private final boolean directory;
    private final long size;
    private final byte[] head;
    /** The bytes, for content in memory; null for a file or folder on disk. */
    private final MemorySegment content;

    private FileProbe(Path path, boolean directory, long size, byte[] head, MemorySegment content) {
        this.path = path;
        this.directory = directory;
        this.size = size;
        this.head = head;
        this.content = content;
    }

    /**
     * A probe of content in memory, named for messages.
     *
     * @param name    the name reports and refusals give the content; never opened
     * @param content the whole content, read in place (a heap segment is copied off-heap by
     *                {@link MappedFiles} before a provider sees it)
     * @return the probe
     */
    public static FileProbe of(Path name, MemorySegment content) {
        long size = content.byteSize();
        byte[] head = content.asSlice(0, Math.min(size, HEAD_BYTES)).toArray(ValueLayout.JAVA_BYTE);
        return new FileProbe(name, false, size, head, content);
    }

    /**
     * Reads the first {@link #HEAD_BYTES} of a file (nothing of a folder).
     *
     * @param path a regular file or a folder (symbolic links are followed)
     * @return the probe of what {@code path} holds now
     * @throws PtsafeException of {@link Reason#IO_ERROR} when {@code path} does not exist, is
     *         neither a regular file nor a folder, or cannot be read
     */
    public static FileProbe of(Path path) throws PtsafeException {
        try {
            // One stat for kind and size (Files.isDirectory, isRegularFile and size made three), and one
            // positioned read of the head: a small open pays for each system call.
            BasicFileAttributes attributes = attributes(path);
            if (attributes != null && attributes.isDirectory()) {
                return new FileProbe(path, true, 0, new byte[0], null);
            }
            if (attributes == null || !attributes.isRegularFile()) {
                throw new PtsafeException(Reason.IO_ERROR, path, Files.exists(path, LinkOption.NOFOLLOW_LINKS)
                        ? "not a regular file" : "no such file");
            }
            long size = attributes.size();
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                return new FileProbe(path, false, size, head(ch, (int) Math.min(size, HEAD_BYTES)), null);
            }
        } catch (NoSuchFileException e) {
            throw new PtsafeException(Reason.IO_ERROR, path, "no such file", e);
        } catch (IOException e) {
            if (e instanceof PtsafeException p) {
                throw p;
            }
            throw new PtsafeException(Reason.IO_ERROR, path, "cannot read: " + e, e);
        }
    }

    /** The attributes of what {@code path} leads to (links followed), or null when they cannot be read. */
    private static BasicFileAttributes attributes(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            return null; // as Files.isDirectory and isRegularFile, which answer false
        }
    }

    /** Up to {@code n} bytes from the start of the file, fewer when it ends before (as readNBytes). */
    private static byte[] head(FileChannel ch, int n) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(n);
        while (head.hasRemaining() && ch.read(head, head.position()) > 0) {
            // positioned reads until n bytes or the end of the file
        }
        return head.position() == n ? head.array() : Arrays.copyOf(head.array(), head.position());
    }

    /** {@return the path probed, as given to {@link #of}: for content in memory, its name only} */
    public Path path() { return path; }
    /** {@return whether the probe is of content in memory, which has no folder and no file on disk} */
    public boolean inMemory() { return content != null; }
    /** {@return the content in memory, or null for a file or folder on disk} */
    MemorySegment content() { return content; }
    /** {@return whether the path is a folder (its size is then 0 and its head empty)} */
    public boolean isDirectory() { return directory; }
    /** {@return the size in bytes when probed} */
    public long size() { return size; }
    /** {@return up to {@link #HEAD_BYTES} leading bytes (fewer for a short file), as a copy} */
    public byte[] head() { return head.clone(); }
    /** {@return how many leading bytes the probe holds: the length of {@link #head()}, without its copy} */
    public int headLength() { return head.length; }

    /**
     * {@return leading byte {@code i}, without a copy of the head} Recognising a file asks a few bytes of
     * every provider in turn: a copy of 4 KiB each was most of what opening a small file allocated.
     *
     * @param i the byte's place, {@code 0 <= i < headLength()}
     * @throws IndexOutOfBoundsException outside the head
     */
    public byte headByte(int i) { return head[i]; }

    /** The head itself, for this package's readers that only read it ({@link TarHeader}). */
    byte[] headBytes() { return head; }

    /**
     * {@return whether the file starts with these bytes}
     *
     * @param prefix the expected leading bytes; longer than the head never matches
     */
    public boolean startsWith(byte... prefix) {
        if (head.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (head[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@return the first {@code n} bytes in hex, for messages}
     *
     * @param n how many bytes at most; fewer when the head is shorter
     */
    public String headHex(int n) {
        return HexFormat.of().formatHex(head, 0, Math.min(n, head.length));
    }
}
