package io.ptsafe.safetensors;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFileClosedException;
import io.ptsafe.spi.MappedFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes one laid-out file: header, then each tensor's {@link Tensor#data()} streamed from its
 * mapping in bounded blocks, then forces it to disk (or leaves that to the caller: the converter
 * forces on a {@link BackgroundForce} thread, told of each write, while it writes and verifies).
 * Nothing is buffered on the Java heap, and the mapped pages of each block are released once
 * written, so memory use does not grow with the model.
 */
final class DataCopier {
    /**
     * Bytes of a strided or byte-swapped tensor gathered per write, and compared per step by the
     * verification: large enough to amortise the call, small enough to stay bounded.
     */
    static final int CHUNK = 8 << 20;
    /**
     * Contiguous data is written in blocks that end at multiples of this in the file, whatever the
     * header's length or the tensors' offsets. ext4's buffered write costs about twice the CPU when
     * the writes straddle these boundaries (256 MiB from a mapping in 4 MiB writes starting at file
     * offset 5,864, as a conversion wrote them: 218 to 275 ms of thread CPU; the same bytes in writes
     * ending at each 1 MiB of the file: 108 to 125 ms; 4 MiB blocks so aligned 146 to 191 ms; see
     * BENCHMARKS.md, "Issue 17: convert, the write and the force"). Also the size of the bounce buffer:
     * heap data (in-memory tensors) goes through one small direct buffer rather than the JDK's per-thread cache.
     */
    static final int BLOCK = 1 << 20;

    private ByteBuffer bounce;
    private MemorySegment bounceSegment;
    private ByteBuffer chunk;
    private MemorySegment chunkSegment;

    private final Progress progress;
    /** Where the next write goes in the file being written: blocks are cut at multiples of {@link #BLOCK}. */
    private long position;
    /** Told of {@link #position} after each write, or null. */
    private BackgroundForce.Growing forcing;

    DataCopier(Progress progress) {
        this.progress = progress;
    }

    /** Writes {@code layout} into {@code file} (an empty temporary file) and forces it to disk. */
    void write(Layout layout, Path file, Path target) throws PtsafeException {
        write(layout, file, target, null);
    }

    /**
     * Writes {@code layout} into {@code file} (an empty temporary file); forces it to disk when
     * {@code forcing} is null, else tells {@code forcing} how far it got after each write (the
     * caller completes it and waits for the force before putting the file in place).
     */
    void write(Layout layout, Path file, Path target, BackgroundForce.Growing forcing) throws PtsafeException {
        this.forcing = forcing;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            // Not O_TRUNC: ext4 (auto_da_alloc) writes back a file truncated at open when it is closed,
            // on this thread, which serialised the whole disk write before the verification (measured:
            // close() 321 ms of a 256 MiB conversion). FileChannel.truncate only calls ftruncate when
            // the file is longer, so an empty temporary file is left alone and a non-empty one emptied.
            ch.truncate(0);
            position = 0;
            writeFully(ch, ByteBuffer.wrap(layout.header()));
            for (int i = 0; i < layout.entries().size(); i++) {
                Layout.Entry e = layout.entries().get(i);
                copy(ch, e, layout.end(i) - layout.begin(i), target);
            }
            if (ch.size() != layout.fileSize()) {
                throw new PtsafeException(Reason.IO_ERROR, target, "wrote " + ch.size() + " bytes where "
                        + layout.fileSize() + " were planned");
            }
            if (forcing == null) {
                ch.force(true);
            }
        } catch (ClosedByInterruptException e) {
            throw new PtsafeException(Reason.IO_ERROR, target, "interrupted while writing; nothing was written", e);
        } catch (PtsafeException e) {
            throw e;
        } catch (IOException e) {
            throw new PtsafeException(Reason.IO_ERROR, target, "cannot write: " + e, e);
        }
    }

    private void copy(FileChannel ch, Layout.Entry e, long expected, Path target) throws IOException {
        Tensor t = e.tensor();
        if (t.byteSize() != expected) {
            throw new PtsafeException(Reason.CANNOT_WRITE, target, "tensor '" + e.name() + "' has "
                    + t.byteSize() + " bytes, " + expected + " were planned");
        }
        try {
            if (t.isView()) {
                copyView(ch, t, expected);
                return;
            }
            MemorySegment data = t.data();
            for (long off = 0; off < expected; ) {
                int n = (int) Math.min(BLOCK - position % BLOCK, expected - off);
                if (data.isNative()) {
                    MemorySegment slice = data.asSlice(off, n);
                    prefault(slice);
                    writeFully(ch, slice.asByteBuffer());
                    release(slice);
                } else {
                    writeFully(ch, bounce(data, off, n));
                }
                off += n;
                progress.advance(n);
            }
        } catch (IllegalStateException x) {
            throw closedOr(t, target, x);
        } catch (UncheckedIOException x) {
            // Tensor reads report a changed file unchecked; writing a file reports it as the refusal it wraps.
            if (x.getCause() instanceof PtsafeException p && p.reason() == Reason.FILE_CHANGED) {
                throw p;
            }
            throw x;
        } catch (InternalError x) {
            throw MappedFiles.changed(t.file(), "tensor '" + t.name()
                    + "': the mapped file changed or was truncated while being copied", x);
        }
    }

    /**
     * What an IllegalStateException met while reading a tensor means: its file was closed (the
     * memory's scope is gone), or else it is not ours (a listener's) and goes on as it is.
     */
    static RuntimeException closedOr(Tensor t, Path target, IllegalStateException x) throws TensorFileClosedException {
        try {
            t.storage(); // throws when the file is closed
        } catch (TensorFileClosedException closed) {
            throw new TensorFileClosedException(t.file(), "tensor '" + t.name() + "' (being written to " + target + ")", x);
        }
        return x;
    }

    /** A strided or byte-swapped tensor, gathered a chunk at a time (never copied whole). */
    private void copyView(FileChannel ch, Tensor t, long size) throws IOException {
        MemorySegment storage = t.storage();
        MemorySegment buffer = chunkBuffer();
        long item = t.dtype().byteSize();
        for (long off = 0; off < size; off += CHUNK) {
            int n = (int) Math.min(CHUNK, size - off);
            ViewGather.gather(t, storage, off / item, buffer.asSlice(0, n));
            writeFully(ch, chunk.clear().limit(n));
            progress.advance(n);
        }
    }

    private MemorySegment chunkBuffer() {
        if (chunk == null) {
            chunk = ByteBuffer.allocateDirect(CHUNK);
            chunkSegment = MemorySegment.ofBuffer(chunk);
        }
        return chunkSegment;
    }

    /**
     * Maps the pages of a mapped slice into this process before they are written from. Linux's
     * buffered write copies optimistically and faults the source in only after a copy that failed:
     * each failure zeroed the page-cache folio just allocated for the write before copying it
     * again, a memset of every byte written (16% of the CPU samples of writing 256 MiB from a
     * mapping, none after {@code load()}; BENCHMARKS.md, "Issue 17: convert, the write and the force").
     * A source truncated under its mapping faults here and reads as {@code FILE_CHANGED}.
     */
    private static void prefault(MemorySegment slice) {
        if (slice.isMapped()) {
            slice.load();
        }
    }

    /**
     * Drops the pages of a mapped slice from this process once read (they stay in the page cache),
     * so resident memory does not grow with the model either. Harmless for other readers of the
     * mapping: a page touched again is mapped again.
     */
    static void release(MemorySegment slice) {
        if (slice.isMapped()) {
            slice.unload();
        }
    }

    private ByteBuffer bounce(MemorySegment heap, long offset, int n) {
        if (bounce == null) {
            bounce = ByteBuffer.allocateDirect(BLOCK);
            bounceSegment = MemorySegment.ofBuffer(bounce);
        }
        MemorySegment.copy(heap, offset, bounceSegment, 0, n);
        return bounce.clear().limit(n);
    }

    private void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        int n = b.remaining();
        while (b.hasRemaining()) {
            ch.write(b);
        }
        position += n;
        if (forcing != null) {
            forcing.written(position);
        }
    }
}
