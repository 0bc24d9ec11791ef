package io.ptsafe.pickle.npy;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A {@code .npy} array as a {@link Tensor}: a view of its bytes where they lie (the file's mapping,
 * or a zip member), never a copy. Big-endian data stays as it is (the tensor swaps when read, as for
 * any big-endian storage); a Fortran-order array is a strided view (column-major strides), as
 * numpy's {@code read_array} makes it: the data read as {@code shape[::-1]} and transposed
 * (format.py lines 824-826).
 *
 * <p>numpy refuses data shorter than the array ({@code _read_bytes}: "EOF: reading array data",
 * line 966; for a plain file {@code fromfile} returns fewer items and the reshape fails) and so does
 * ptsafe. It reads exactly the array's bytes and ignores what follows; ptsafe does too, and a scan
 * reports the trailing bytes as a warning ({@link NpyReader}).
 */
public final class NpyArray {
    private NpyArray() {
    }

    /**
     * The tensor of a .npy.
     *
     * @param name    the tensor's name
     * @param header  its header, read from {@code bytes}
     * @param bytes   the whole .npy
     * @param path    the file, for messages
     * @param where   the place, e.g. "the file" or "member 'a.npy'"
     * @param arena   where copies of the view go (the file's arena)
     * @return the tensor
     * @throws PtsafeException {@link Reason#PICKLED_ARRAY} for an object array (numpy's
     *         {@code allow_pickle=False}), {@link Reason#METADATA_INCOMPLETE_BUFFER} when the data is
     *         shorter than the array
     */
    public static Tensor tensor(String name, NpyHeader header, MemorySegment bytes, Path path, String where,
            Arena arena) throws PtsafeException {
        if (header.objectArray()) {
            throw new PtsafeException(Reason.PICKLED_ARRAY, path, where + ": an object array (descr '"
                    + header.descr() + "'): its data is a pickle, which np.load(allow_pickle=True) would run; "
                    + "ptsafe refuses it, as np.load's default allow_pickle=False does (format.py read_array)");
        }
        long available = bytes.byteSize() - header.dataOffset();
        long[] shape = header.shape();
        if (header.byteCount() > available) {
            throw new PtsafeException(Reason.METADATA_INCOMPLETE_BUFFER, path, where + ": shape "
                    + Arrays.toString(shape) + " of '" + header.descr() + "' needs " + header.byteCount()
                    + " bytes of data at byte " + header.dataOffset() + ", " + available + " follow (numpy refuses a "
                    + "short array: \"EOF: reading array data\")");
        }
        MemorySegment data = bytes.asSlice(header.dataOffset(), header.byteCount());
        long[] strides = new long[shape.length];
        long acc = 1;
        for (int k = 0; k < shape.length; k++) {
            int i = header.fortran() ? k : shape.length - 1 - k;
            strides[i] = acc;
            // Every partial product is at most the element count, checked by NpyHeader.
            acc *= Math.max(shape[i], 1);
        }
        return Tensor.builder(name, header.dtype(), shape, data).strides(strides).byteOrder(header.order())
                .arena(arena).file(path).build();
    }

    /**
     * {@return how many bytes follow the array's data} numpy ignores them.
     *
     * @param header the header, of no object array
     * @param bytes  the whole .npy, holding at least the array
     */
    public static long trailing(NpyHeader header, MemorySegment bytes) {
        return bytes.byteSize() - header.dataOffset() - header.byteCount();
    }
}
