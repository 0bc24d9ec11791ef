package io.ptsafe.safetensors;

import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeSet;

/** Reads a written file back and compares it, tensor by tensor and byte for byte, with its source. */
final class Verification {
    /** Opens a written file; {@link io.ptsafe.SafeLoader#open(Path, io.ptsafe.LoadOptions)} outside tests. */
    @FunctionalInterface
    interface Opener {
        TensorFile open(Path file) throws IOException;
    }

    private Verification() {
    }

    /**
     * @param written  the file as written (a temporary name)
     * @param target   the name it will get, for messages
     * @param expected output name to source tensor
     * @param metadata the metadata written
     */
    static void check(Opener opener, Path written, Path target, Map<String, Tensor> expected,
            Map<String, String> metadata, Progress progress) throws IOException {
        try (TensorFile back = opener.open(written)) {
            if (back.tensors().size() != expected.size()) {
                TreeSet<String> extra = new TreeSet<>();
                back.tensors().forEach(t -> extra.add(t.name()));
                extra.removeAll(expected.keySet());
                throw mismatch(target, "holds " + back.tensors().size() + " tensors, " + expected.size()
                        + " were written" + (extra.isEmpty() ? "" : " (unexpected: " + extra + ")"));
            }
            if (!back.metadata().equals(metadata)) {
                throw mismatch(target, "reads back metadata " + back.metadata() + ", " + metadata + " was written");
            }
            for (Map.Entry<String, Tensor> e : expected.entrySet()) {
                Tensor src = e.getValue();
                Tensor out = back.findTensor(e.getKey()).orElseThrow(() -> mismatch(target, "tensor '" + e.getKey()
                        + "' is missing"));
                if (out.dtype() != src.dtype() || !Arrays.equals(out.shape(), src.shape())) {
                    throw mismatch(target, "tensor '" + e.getKey() + "' reads back as " + out.dtype()
                            + Arrays.toString(out.shape()) + ", the source is " + src.dtype() + Arrays.toString(src.shape()));
                }
                try {
                    compareBytes(e.getKey(), src, out.data(), target, progress);
                } catch (IllegalStateException x) {
                    throw DataCopier.closedOr(src, target, x);
                }
            }
        }
    }

    /** Compares chunk by chunk; a view is gathered a chunk at a time, never copied whole. */
    private static void compareBytes(String name, Tensor src, MemorySegment b, Path target, Progress progress)
            throws PtsafeException {
        long size = src.byteSize();
        if (b.byteSize() != size) {
            throw mismatch(target, "tensor '" + name + "' has " + b.byteSize() + " bytes, the source " + size);
        }
        MemorySegment a = src.isView() ? null : src.data();
        MemorySegment storage = src.isView() ? src.storage() : null;
        MemorySegment gathered = src.isView() ? Arena.ofAuto().allocate(Math.min(size, DataCopier.CHUNK), 16) : null;
        long item = Math.max(1, src.dtype().byteSize());
        for (long off = 0; off < size; off += DataCopier.CHUNK) {
            long n = Math.min(size - off, DataCopier.CHUNK);
            MemorySegment x;
            if (a == null) {
                x = gathered.asSlice(0, n);
                ViewGather.gather(src, storage, off / item, x);
            } else {
                x = a.asSlice(off, n);
            }
            MemorySegment y = b.asSlice(off, n);
            long at = MemorySegment.mismatch(x, 0, n, y, 0, n);
            DataCopier.release(x);
            DataCopier.release(y);
            if (at >= 0) {
                throw mismatch(target, "tensor '" + name + "' differs from its source at byte " + (off + at));
            }
            progress.advance(n);
        }
    }

    private static PtsafeException mismatch(Path target, String what) {
        return new PtsafeException(Reason.VERIFY_MISMATCH, target, "read back after writing: " + what
                + "; nothing was written");
    }
}
