package io.ptsafe.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ptsafe.DType;
import io.ptsafe.Tensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tests' own decoding of a safetensors file, independent of ptsafe's reader: the header as
 * written (order kept), the data section, and checks of the reference's rules.
 */
record RawSafetensors(byte[] bytes, long headerLength, String headerJson, Map<String, String> metadata,
        List<Entry> entries) {

    record Entry(String name, String dtype, long[] shape, long begin, long end) {
    }

    static RawSafetensors read(Path p) throws IOException {
        return parse(Files.readAllBytes(p));
    }

    static RawSafetensors parse(byte[] b) throws IOException {
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String json = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        Map<String, String> meta = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(json)) {
            expect(p.nextToken(), JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                expect(p.nextToken(), JsonToken.START_OBJECT);
                if (name.equals("__metadata__")) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String k = p.currentName();
                        expect(p.nextToken(), JsonToken.VALUE_STRING);
                        meta.put(k, p.getText());
                    }
                    continue;
                }
                String dtype = null;
                long[] shape = null;
                long[] offsets = null;
                List<String> keys = new ArrayList<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    keys.add(k);
                    p.nextToken();
                    switch (k) {
                        case "dtype" -> dtype = p.getText();
                        case "shape" -> shape = longs(p);
                        case "data_offsets" -> offsets = longs(p);
                        default -> throw new AssertionError("unexpected key " + k);
                    }
                }
                if (!keys.equals(List.of("dtype", "shape", "data_offsets"))) {
                    throw new AssertionError("entry keys " + keys);
                }
                entries.add(new Entry(name, dtype, shape, offsets[0], offsets[1]));
            }
        }
        return new RawSafetensors(b, n, json, meta, entries);
    }

    /** Checks the reference's read rules and a few of ptsafe's; throws AssertionError on the first break. */
    RawSafetensors checkValid() {
        if (headerLength % 8 != 0) {
            throw new AssertionError("header length " + headerLength + " not a multiple of 8");
        }
        if (!headerJson.startsWith("{")) {
            throw new AssertionError("header does not start with {");
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort((x, y) -> Long.compare(x.begin, y.begin));
        long at = 0;
        for (Entry e : sorted) {
            if (e.begin != at || e.end < e.begin) {
                throw new AssertionError("offsets of " + e.name + " " + e.begin + ".." + e.end + " expected from " + at);
            }
            DType t = DType.fromSafetensorsName(e.dtype).orElseThrow();
            long numel = 1;
            for (long d : e.shape) {
                numel = Math.multiplyExact(numel, d);
            }
            if (numel * t.bits() / 8 != e.end - e.begin) {
                throw new AssertionError("size of " + e.name);
            }
            at = e.end;
        }
        if (8 + headerLength + at != bytes.length) {
            throw new AssertionError("file is " + bytes.length + " bytes, expected " + (8 + headerLength + at));
        }
        return this;
    }

    byte[] data(Entry e) {
        return Arrays.copyOfRange(bytes, (int) (8 + headerLength + e.begin), (int) (8 + headerLength + e.end));
    }

    Entry entry(String name) {
        return entries.stream().filter(e -> e.name.equals(name)).findFirst().orElseThrow(
                () -> new AssertionError("no entry " + name));
    }

    /** In-memory tensors with this file's names, dtypes, shapes and bytes, in header order. */
    List<Tensor> tensors() throws IOException {
        List<Tensor> out = new ArrayList<>();
        for (Entry e : entries) {
            out.add(Tensor.of(e.name, DType.fromSafetensorsName(e.dtype).orElseThrow(), e.shape,
                    MemorySegment.ofArray(data(e))));
        }
        return out;
    }

    private static long[] longs(JsonParser p) throws IOException {
        expect(p.currentToken(), JsonToken.START_ARRAY);
        List<Long> l = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            l.add(p.getLongValue());
        }
        return l.stream().mapToLong(Long::longValue).toArray();
    }

    private static void expect(JsonToken got, JsonToken want) {
        if (got != want) {
            throw new AssertionError("expected " + want + ", got " + got);
        }
    }
}
