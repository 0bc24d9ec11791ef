package io.ptsafe.cli;

import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compares the tensors of two files. Names are taken as a conversion writes them: a top-level
 * {@code state_dict} is unwrapped, and {@code select} (for the first file) keeps the tensors under a
 * key without the prefix. A name missing from one file that its {@code __metadata__} maps to a
 * present tensor (how converters record tied weights) is compared with that tensor.
 */
final class FileComparison {
    private static final long CHUNK = 8 << 20;
    /** Differences listed before the rest are only counted. */
    private static final int MAX_LISTED = 100;

    record Result(List<String> differences, int compared, int throughAliases) {
    }

    private FileComparison() {
    }

    static Result compare(TensorFile a, String select, TensorFile b) throws PtsafeException {
        Map<String, Tensor> ta = names(a, select);
        Map<String, Tensor> tb = names(b, null);
        List<String> diffs = new ArrayList<>();
        int compared = 0;
        int aliases = 0;
        long more = 0;
        for (Map.Entry<String, Tensor> e : ta.entrySet()) {
            String name = e.getKey();
            Tensor other = tb.get(name);
            String via = "";
            if (other == null) {
                String kept = b.metadata().get(name);
                other = kept == null ? null : tb.get(kept);
                via = kept == null ? "" : " (through alias of '" + kept + "')";
            }
            String d = other == null ? "'" + name + "': only in " + a.path() : diff(name + via, e.getValue(), other);
            if (other != null) {
                compared++;
                aliases += via.isEmpty() ? 0 : 1;
            }
            if (d != null) {
                if (diffs.size() < MAX_LISTED) {
                    diffs.add(d);
                } else {
                    more++;
                }
            }
        }
        for (String name : tb.keySet()) {
            if (!ta.containsKey(name) && !ta.containsKey(a.metadata().getOrDefault(name, "\u0000"))) {
                if (diffs.size() < MAX_LISTED) {
                    diffs.add("'" + name + "': only in " + b.path());
                } else {
                    more++;
                }
            }
        }
        if (more > 0) {
            diffs.add("... and " + more + " more");
        }
        return new Result(diffs, compared, aliases);
    }

    private static String diff(String name, Tensor x, Tensor y) throws PtsafeException {
        if (x.dtype() != y.dtype()) {
            return "'" + name + "': dtype " + x.dtype() + " vs " + y.dtype();
        }
        if (!Arrays.equals(x.shape(), y.shape())) {
            return "'" + name + "': shape " + Arrays.toString(x.shape()) + " vs " + Arrays.toString(y.shape());
        }
        MemorySegment dx = x.data();
        MemorySegment dy = y.data();
        long size = dx.byteSize();
        for (long off = 0; off < size; off += CHUNK) {
            long end = Math.min(size, off + CHUNK);
            long at = MemorySegment.mismatch(dx, off, end, dy, off, end);
            release(dx.asSlice(off, end - off));
            release(dy.asSlice(off, end - off));
            if (at >= 0) {
                return "'" + name + "': bytes differ from byte " + (off + at);
            }
        }
        return null;
    }

    /** Read once: drop the pages from this process so resident memory stays flat on large files. */
    private static void release(MemorySegment slice) {
        if (slice.isMapped()) {
            slice.unload();
        }
    }

    /** The tensors under their converted names: as convert names them (see its --select). */
    private static Map<String, Tensor> names(TensorFile f, String select) {
        String base = f.root() instanceof PyValue.Dict d && d.get("state_dict") instanceof PyValue.Dict
                ? "state_dict." : "";
        Map<String, Tensor> out = under(f, select == null ? base : base + select + ".");
        if (out.isEmpty() && select != null && !base.isEmpty()) {
            out = under(f, select + ".");
        }
        return out;
    }

    private static Map<String, Tensor> under(TensorFile f, String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Tensor t : f.tensors()) {
            if (t.name().startsWith(prefix)) {
                out.put(t.name().substring(prefix.length()), t);
            }
        }
        return out;
    }
}
