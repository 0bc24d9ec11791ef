package io.ptsafe.spi;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * What the tensors of one file share: the read-only segment their storages lie in (the file's
 * mapping), the arena copies of views are made in, and the file, for messages. A tensor keeps this
 * one reference and its storage as a byte range of {@link #mapping()}, sliced when asked for, instead
 * of a segment of its own (40 bytes a tensor). A tensor whose storage lies elsewhere (an inflated
 * record, an in-memory tensor) has an origin of its own over just that storage.
 */
public final class TensorOrigin {
    private final MemorySegment mapping;
    private final Arena arena;
    private final Path file;

    /**
     * Makes the origin of the tensors over one segment.
     *
     * @param mapping the segment storages are ranges of; made read-only if it is not
     * @param arena   where copies of views are allocated, or null (an automatic arena per copy)
     * @param file    the file, for messages, or null
     */
    public TensorOrigin(MemorySegment mapping, Arena arena, Path file) {
        this.mapping = mapping.isReadOnly() ? mapping : mapping.asReadOnly();
        this.arena = arena;
        this.file = file;
    }

    /** {@return the read-only segment the storages are ranges of} */
    public MemorySegment mapping() {
        return mapping;
    }

    /** {@return where copies of views are allocated, or null} */
    public Arena arena() {
        return arena;
    }

    /** {@return the file, or null} */
    public Path file() {
        return file;
    }

    /**
     * {@return the offset of {@code storage} in {@link #mapping()}, or -1 when it is not a range of
     * it (another scope, another kind of memory, or outside its bytes)}
     *
     * @param storage a segment
     */
    public long offsetOf(MemorySegment storage) {
        // One scope: slices of one mapping (or of one heap segment, whose scope is its own).
        if (storage.scope() != mapping.scope() || storage.isNative() != mapping.isNative()) {
            return -1;
        }
        long off = storage.address() - mapping.address();
        return off >= 0 && off <= mapping.byteSize() && storage.byteSize() <= mapping.byteSize() - off ? off : -1;
    }
}
