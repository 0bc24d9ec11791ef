package io.ptsafe.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.ptsafe.DType;
import io.ptsafe.FileFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a conversion did: the files written, each tensor written, the aliases removed (tied
 * weights), the entries skipped (non-tensor values) and those left outside the selection, the bytes
 * and the time. {@link #toTable()} for people, {@link #toJson()} for programs.
 *
 * @param source      the file converted
 * @param format      its format
 * @param outputs     the safetensors files written, in shard order
 * @param index       the sharded index written, if the output was sharded
 * @param tensors     each tensor written, in the order of the source
 * @param aliases     names not written because they are the very same bytes as another (removed name
 *                    to kept name), also recorded in {@code __metadata__}
 * @param skipped     non-tensor values inside the selection (at most 1000 listed)
 * @param skippedCount how many there were in all
 * @param notSelected names outside the selection or outside the unwrapped {@code state_dict}
 *                    (at most 1000 listed)
 * @param notSelectedCount how many there were in all
 * @param fileBytes   bytes of all files written (headers, data and index)
 * @param sourceBytes bytes of the source file(s) the tensors were read from
 * @param warnings    things worth a look that did not stop the conversion
 * @param elapsed     wall time, verification included
 */
public record ConversionReport(Path source, FileFormat format, List<Path> outputs, Optional<Path> index,
        List<WrittenTensor> tensors, Map<String, String> aliases, List<SkippedEntry> skipped, long skippedCount,
        List<String> notSelected, long notSelectedCount, long fileBytes, long sourceBytes, List<String> warnings,
        Duration elapsed) {

    /**
     * One tensor written.
     *
     * @param name   its name in the output (any {@code state_dict} and selection prefix removed)
     * @param dtype  its dtype
     * @param shape  its dimensions
     * @param bytes  its data size in bytes
     * @param file   the name (without folder) of the output file holding it
     * @param copied true when its bytes were gathered from a view (strided, partial or byte-swapped)
     *               rather than streamed from a whole storage
     */
    public record WrittenTensor(String name, DType dtype, long[] shape, long bytes, String file, boolean copied) {
        /** Keeps a copy of {@code shape}. */
        public WrittenTensor {
            shape = shape.clone();
        }

        /** {@return a copy of its dimensions} */
        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof WrittenTensor w && w.name.equals(name) && w.dtype == dtype
                    && Arrays.equals(w.shape, shape) && w.bytes == bytes && w.file.equals(file) && w.copied == copied;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dtype, Arrays.hashCode(shape), bytes, file, copied);
        }

        @Override
        public String toString() {
            return name + " " + dtype + Arrays.toString(shape);
        }
    }

    /**
     * A value that is not a tensor, with what it is.
     *
     * @param name its dotted path, named as tensors are (any {@code state_dict} and selection prefix
     *             removed)
     * @param what its type and a short rendering (e.g. {@code int 3}, {@code str 'adam'},
     *             {@code empty list})
     */
    public record SkippedEntry(String name, String what) {
    }

    /** Names the table lists per section; {@link #toJson()} has them all (up to 1000). */
    private static final int TABLE_ROWS = 20;

    /** Keeps unmodifiable copies of the lists and of {@code aliases} (in its iteration order). */
    public ConversionReport {
        outputs = List.copyOf(outputs);
        tensors = List.copyOf(tensors);
        aliases = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(aliases));
        skipped = List.copyOf(skipped);
        notSelected = List.copyOf(notSelected);
        warnings = List.copyOf(warnings);
    }

    /** {@return the bytes of tensor data written} */
    public long tensorBytes() {
        return tensors.stream().mapToLong(WrittenTensor::bytes).sum();
    }

    /** {@return a summary for a terminal: one line per fact, then the aliases and skipped entries} */
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        row(sb, "source", source + " (" + format + ")");
        row(sb, "written", outputs.size() == 1 ? outputs.getFirst().toString()
                : outputs.size() + " shards in " + outputs.getFirst().toAbsolutePath().getParent());
        index.ifPresent(i -> row(sb, "index", i.toString()));
        long copied = tensors.stream().filter(WrittenTensor::copied).count();
        row(sb, "tensors", tensors.size() + (copied > 0 ? " (" + copied + " copied from views)" : ""));
        row(sb, "aliases removed", Integer.toString(aliases.size()));
        row(sb, "entries skipped", Long.toString(skippedCount));
        row(sb, "not selected", Long.toString(notSelectedCount));
        row(sb, "tensor bytes", human(tensorBytes()));
        row(sb, "file bytes", human(fileBytes));
        row(sb, "source bytes", human(sourceBytes));
        row(sb, "time", String.format(Locale.ROOT, "%.2f s", elapsed.toNanos() / 1e9));
        for (String w : warnings) {
            sb.append("\nwarning: ").append(w).append('\n');
        }
        if (!aliases.isEmpty()) {
            sb.append("\naliases (removed -> kept, recorded in __metadata__):\n");
            aliases.forEach((k, v) -> sb.append("  ").append(k).append(" -> ").append(v).append('\n'));
        }
        if (!skipped.isEmpty()) {
            sb.append("\nskipped (not tensors):\n");
            list(sb, skipped.stream().map(e -> e.name() + ": " + e.what()).toList(), skippedCount, TABLE_ROWS);
        }
        if (!notSelected.isEmpty()) {
            sb.append("\nnot selected:\n");
            list(sb, notSelected, notSelectedCount, TABLE_ROWS);
        }
        return sb.toString();
    }

    /** {@return the report as one JSON object, pretty-printed: see {@link #writeJson(Writer)}} */
    public String toJson() {
        StringWriter w = new StringWriter();
        try {
            writeJson(w);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /**
     * Writes the report as one JSON object, pretty-printed: {@code source, format, outputs, index, tensors_written,
     * tensor_bytes, file_bytes, source_bytes, warnings [..], elapsed_ms, aliases_removed {removed: kept}, entries_skipped
     * [{name, what}], skipped_count, not_selected [..], not_selected_count, tensors [{name, dtype,
     * shape, bytes, file, copied}]}.
     *
     * @param out where to write; flushed, left open
     * @throws IOException when {@code out} fails to write
     */
    public void writeJson(Writer out) throws IOException {
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.useDefaultPrettyPrinter();
            writeJson(g);
        }
    }

    private void writeJson(JsonGenerator g) throws IOException {
        g.writeStartObject();
        g.writeStringField("source", source.toString());
        g.writeStringField("format", format.name());
        g.writeArrayFieldStart("outputs");
        for (Path p : outputs) {
            g.writeString(p.toString());
        }
        g.writeEndArray();
        if (index.isPresent()) {
            g.writeStringField("index", index.get().toString());
        } else {
            g.writeNullField("index");
        }
        g.writeNumberField("tensors_written", tensors.size());
        g.writeNumberField("tensor_bytes", tensorBytes());
        g.writeNumberField("file_bytes", fileBytes);
        g.writeNumberField("source_bytes", sourceBytes);
        g.writeArrayFieldStart("warnings");
        for (String w : warnings) {
            g.writeString(w);
        }
        g.writeEndArray();
        g.writeNumberField("elapsed_ms", elapsed.toMillis());
        g.writeObjectFieldStart("aliases_removed");
        for (Map.Entry<String, String> a : aliases.entrySet()) {
            g.writeStringField(a.getKey(), a.getValue());
        }
        g.writeEndObject();
        g.writeArrayFieldStart("entries_skipped");
        for (SkippedEntry s : skipped) {
            g.writeStartObject();
            g.writeStringField("name", s.name());
            g.writeStringField("what", s.what());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberField("skipped_count", skippedCount);
        g.writeArrayFieldStart("not_selected");
        for (String s : notSelected) {
            g.writeString(s);
        }
        g.writeEndArray();
        g.writeNumberField("not_selected_count", notSelectedCount);
        g.writeArrayFieldStart("tensors");
        for (WrittenTensor t : tensors) {
            g.writeStartObject();
            g.writeStringField("name", t.name());
            g.writeStringField("dtype", t.dtype().name());
            g.writeArrayFieldStart("shape");
            for (long d : t.shape) {
                g.writeNumber(d);
            }
            g.writeEndArray();
            g.writeNumberField("bytes", t.bytes());
            g.writeStringField("file", t.file());
            g.writeBooleanField("copied", t.copied());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    private static void list(StringBuilder sb, List<String> items, long total, int max) {
        items.stream().limit(max).forEach(i -> sb.append("  ").append(i).append('\n'));
        if (total > Math.min(max, items.size())) {
            sb.append("  ... and ").append(total - Math.min(max, items.size())).append(" more (the JSON report lists up to ")
                    .append(Selection.LIST_CAP).append(")\n");
        }
    }

    private static void row(StringBuilder sb, String key, String value) {
        sb.append(String.format(Locale.ROOT, "%-16s %s%n", key, value));
    }

    /** Bytes with a binary unit, e.g. {@code 1.50 GiB (1610612736 bytes)}. */
    static String human(long bytes) {
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.2f %s (%d bytes)", v, units[u], bytes);
    }
}
