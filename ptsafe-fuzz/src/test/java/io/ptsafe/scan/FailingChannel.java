package io.ptsafe.scan;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A file channel that fails as a full disk does: writes go to the real file until {@code room}
 * bytes are written, then throw "No space left on device" (what the JDK throws for ENOSPC).
 */
final class FailingChannel extends FileChannel {
    private final FileChannel real;
    private long room;

    FailingChannel(FileChannel real, long room) {
        this.real = real;
        this.room = room;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (room <= 0) {
            throw new IOException("No space left on device");
        }
        int n = (int) Math.min(room, src.remaining());
        ByteBuffer part = src.slice().limit(n);
        int written = real.write(part);
        src.position(src.position() + written);
        room -= written;
        return written;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long n = 0;
        for (int i = offset; i < offset + length; i++) {
            n += write(srcs[i]);
        }
        return n;
    }

    @Override public int read(ByteBuffer dst) throws IOException { return real.read(dst); }
    @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException { return real.read(dsts, offset, length); }
    @Override public long position() throws IOException { return real.position(); }
    @Override public FileChannel position(long p) throws IOException { real.position(p); return this; }
    @Override public long size() throws IOException { return real.size(); }
    @Override public FileChannel truncate(long size) throws IOException { real.truncate(size); return this; }
    @Override public void force(boolean metaData) throws IOException { real.force(metaData); }
    @Override public long transferTo(long p, long c, WritableByteChannel t) throws IOException { return real.transferTo(p, c, t); }
    @Override public long transferFrom(ReadableByteChannel s, long p, long c) throws IOException { throw new IOException("No space left on device"); }
    @Override public int read(ByteBuffer dst, long p) throws IOException { return real.read(dst, p); }
    @Override public int write(ByteBuffer src, long p) throws IOException { throw new IOException("No space left on device"); }
    @Override public MappedByteBuffer map(MapMode mode, long p, long size) throws IOException { return real.map(mode, p, size); }
    @Override public FileLock lock(long p, long size, boolean shared) throws IOException { return real.lock(p, size, shared); }
    @Override public FileLock tryLock(long p, long size, boolean shared) throws IOException { return real.tryLock(p, size, shared); }
    @Override protected void implCloseChannel() throws IOException { real.close(); }
}
