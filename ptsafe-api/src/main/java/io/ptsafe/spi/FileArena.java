package io.ptsafe.spi;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * The arena of one opened file ({@link MappedFiles#open}): it allocates and closes as the arena it
 * wraps, and also carries what the file's tensors share, so that providers need nothing more than
 * {@code Tensor.builder(...).arena(arena)} to build compact tensors:
 * <ul>
 *   <li>the {@link TensorOrigin} over the file's mapping, kept by every tensor whose storage lies in
 *       it;</li>
 *   <li>while the file is being opened, a table of the shapes seen, so that tensors of equal shapes
 *       share one {@code long[]} (real models repeat a few shapes). A {@link BasicTensorFile} drops
 *       the table when it takes the arena ({@link #opened()}): it is not kept with the file.</li>
 * </ul>
 */
public final class FileArena implements Arena {
    private final Arena arena;
    private final long seed;
    private TensorOrigin origin;
    /** Open addressing over shapes, by content; null once the file is opened. Used by the opening thread only. */
    private volatile long[][] shapes = new long[64][];
    private int shapeCount;
    /** The shape {@link #internCopy} last returned, by rank (up to 7): tried before the table. Opening thread only. */
    private final long[][] lastByRank = new long[8][];

    FileArena(Arena arena) {
        this(arena, SEED);
    }

    /** With a chosen hash seed, so that tests can name a table layout (the seed decides where runs form). */
    FileArena(Arena arena, long seed) {
        this.arena = arena;
        this.seed = seed;
    }

    /** Sets the mapping, once it is made in this arena. */
    void mapped(MemorySegment mapping, Path file) {
        this.origin = new TensorOrigin(mapping, this, file);
    }

    /** {@return the origin of tensors whose storage lies in the file's mapping} */
    public TensorOrigin origin() {
        return origin;
    }

    /**
     * {@return the array equal to {@code shape} that earlier tensors of this file use, or
     * {@code shape} itself, remembered for later ones} After {@link #opened()}, {@code shape}.
     * The caller gives an array nobody else writes (the builder's own copy): it may be shared.
     *
     * @param shape a shape
     */
    public long[] intern(long[] shape) {
        return shapes == null ? shape : find(shape, false);
    }

    /**
     * A tensor of this file as {@code Tensor.builder(name, dtype, shape, mapping.asSlice(start, byteSize))
     * .arena(this).file(file).build()} makes it, where {@code mapping} and {@code file} are
     * {@link #origin()}'s: the same checks, refusals and result, for less (no builder, no slice, no copy of
     * a shape seen before). For providers whose tensors are plain byte ranges of the mapping (safetensors).
     *
     * @param name     the tensor's name
     * @param dtype    the element type
     * @param shape    the shape: read, not kept (an equal array of the file's is, or a copy)
     * @param start    the storage's first byte in the mapping
     * @param byteSize the storage's length in bytes
     * @return the tensor
     * @throws PtsafeException as the builder would
     * @throws IllegalStateException if the file is not mapped yet
     * @throws IndexOutOfBoundsException if the range is not within the mapping
     */
    public Tensor tensor(String name, DType dtype, long[] shape, long start, long byteSize) throws PtsafeException {
        TensorOrigin o = origin;
        if (o == null) {
            throw new IllegalStateException("the file is not mapped");
        }
        Objects.checkFromIndexSize(start, byteSize, o.mapping().byteSize());
        return FileTensors.maker().make(name, dtype, internCopy(shape), o, start, byteSize);
    }

    /**
     * {@link #intern} of a shape the caller goes on writing: an equal array of the file's, or a copy kept.
     * The array last returned for each small rank is tried first: files list runs of equal shapes, and a
     * comparison of a few longs costs less than the table's hash.
     */
    private long[] internCopy(long[] shape) {
        long[][] table = shapes;
        if (table == null) {
            return shape.clone();
        }
        int rank = shape.length;
        long[] last = rank < lastByRank.length ? lastByRank[rank] : null;
        if (last != null && same(last, shape)) {
            return last;
        }
        long[] result = find(shape, true);
        if (rank < lastByRank.length) {
            lastByRank[rank] = result;
        }
        return result;
    }

    /**
     * The table's array equal to {@code shape}; else {@code shape} (or its copy, if {@code copy}), put in
     * the table. Linear probing at up to half load forms a run of {@link #MAX_PROBES} cells now and then
     * even under a good hash (in a quarter of tables of 500 shapes, measured over 20,000 seeds): a shape
     * that meets one doubles the table, which breaks runs up, while the table has fewer than 8 cells per
     * shape. Past that the shape is kept as its own array, unshared, so no file can make the table grow
     * further or a lookup longer.
     */
    private long[] find(long[] shape, boolean copy) {
        for (;;) {
            long[][] table = shapes;
            int mask = table.length - 1;
            int i = slot(seed, shape, mask);
            for (int probes = 0; probes < MAX_PROBES; probes++, i = i + 1 & mask) {
                long[] s = table[i];
                if (s == null) {
                    long[] kept = copy ? shape.clone() : shape;
                    table[i] = kept;
                    if (++shapeCount * 2 > table.length) {
                        grow(table);
                    }
                    return kept;
                }
                if (Arrays.equals(s, shape)) {
                    return s;
                }
            }
            if (table.length >= 8L * shapeCount) {
                return copy ? shape.clone() : shape;
            }
            grow(table);
        }
    }

    /** Whether two shapes of the same rank are equal. */
    private static boolean same(long[] a, long[] b) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    private void grow(long[][] table) {
        long[][] bigger = new long[table.length * 2][];
        int mask = bigger.length - 1;
        for (long[] s : table) {
            if (s != null) {
                int i = slot(seed, s, mask);
                while (bigger[i] != null) {
                    i = i + 1 & mask;
                }
                bigger[i] = s;
            }
        }
        shapes = bigger;
    }

    /**
     * A shape's first cell: a hash seeded per process. Shapes come from the file, and
     * {@code Arrays.hashCode} is easy to steer ([0, 31] and [1, 0] collide, and zero-sized tensors
     * can have any such shape): with it, a header could fill one run of cells and make interning
     * quadratic. {@link #MAX_PROBES} bounds a lookup whatever the hash does.
     */
    private static int slot(long seed, long[] shape, int mask) {
        long h = seed ^ shape.length;
        for (long v : shape) {
            h = (h ^ v) * 0x9E3779B97F4A7C15L;
            h ^= h >>> 29;
        }
        return (int) (h ^ h >>> 32) & mask;
    }

    private static final long SEED = new java.security.SecureRandom().nextLong();
    /**
     * Cells a lookup tries in one table: no file can make a lookup longer. A shape neither found nor
     * placed by then grows the table ({@link #find}); interning only saves memory, so once the table is
     * as large as it may grow, such a shape is kept as its own array (never put in the table).
     */
    static final int MAX_PROBES = 16;

    /** The file is opened: the shape table is dropped (tensors keep the arrays they share). */
    public void opened() {
        shapes = null;
        Arrays.fill(lastByRank, null);
    }

    @Override
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        return arena.allocate(byteSize, byteAlignment);
    }

    @Override
    public MemorySegment.Scope scope() {
        return arena.scope();
    }

    @Override
    public void close() {
        arena.close();
    }
}
