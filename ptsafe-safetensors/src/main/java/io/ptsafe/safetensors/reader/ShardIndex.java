package io.ptsafe.safetensors.reader;

import com.fasterxml.jackson.core.JsonToken;
import io.ptsafe.Limit;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.spi.MappedFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A sharded checkpoint's index ({@code model.safetensors.index.json}, {@code pytorch_model.bin.index.json}):
 * <pre>{"metadata": {"total_size": 123, ...}, "weight_map": {"tensor": "shard file", ...}, ...}</pre>
 * {@code weight_map} is required, an object of strings; each shard name must pass
 * {@link ShardPaths#checkName}. {@code metadata} is optional and, when present, an object; its
 * content, {@code total_size} included, is advisory and not checked (writers compute it in different
 * ways). Other top-level keys are tolerated and skipped. The file is read as a safetensors header is:
 * at most {@link LoadOptions#maxHeaderBytes()} bytes ({@link Reason#HEADER_TOO_LARGE}), strict UTF-8,
 * {@link JsonPrescan}'s limits, duplicate keys anywhere refused, at most
 * {@link LoadOptions#maxContainerItems()} keys in one skipped value; other faults are
 * {@link Reason#INVALID_INDEX}.
 *
 * @param file      the index file
 * @param weightMap tensor name to shard name, in the index's order
 * @param shards    the distinct shard names, in order of first appearance
 */
record ShardIndex(Path file, Map<String, String> weightMap, List<String> shards) {

    static ShardIndex read(Path file, LoadOptions options) throws PtsafeException {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new PtsafeException(Reason.IO_ERROR, file, "cannot read the index: " + e, e);
        }
        if (size > options.maxHeaderBytes()) {
            throw Limit.MAX_HEADER_BYTES.exceeded(file, "index size in bytes",
                    size, options.maxHeaderBytes());
        }
        return MappedFiles.read(file, (bytes, arena) -> {
            JsonSource source = JsonSource.index(file, bytes);
            Utf8Validation.check(bytes, file, "index", Reason.INVALID_INDEX);
            JsonPrescan.check(bytes, source, options);
            try (JsonReader json = JsonReader.open(bytes, source, options)) {
                return parse(json, source, options);
            }
        });
    }

    private static ShardIndex parse(JsonReader json, JsonSource source, LoadOptions options) throws PtsafeException {
        expect(json, JsonToken.START_OBJECT, "the index");
        Map<String, String> weightMap = null;
        Set<String> shards = new LinkedHashSet<>();
        for (JsonToken t = json.next(); t != JsonToken.END_OBJECT; t = json.next()) {
            key(json, t);
            String key = json.text();
            switch (key) {
                case "weight_map" -> weightMap = weightMap(json, source, options, shards);
                case "metadata" -> {
                    expect(json, JsonToken.START_OBJECT, "metadata");
                    json.skipValue(options.maxContainerItems());
                }
                default -> {
                    json.next();
                    json.skipValue(options.maxContainerItems());
                }
            }
        }
        JsonToken after = json.next();
        if (after != null) {
            throw source.malformed(json.offset(), "content after the index object: " + JsonReader.describe(after));
        }
        if (weightMap == null) {
            throw new PtsafeException(Reason.INVALID_INDEX, source.file(), "the index has no weight_map");
        }
        return new ShardIndex(source.file(), Collections.unmodifiableMap(weightMap),
                List.copyOf(new ArrayList<>(shards)));
    }

    private static Map<String, String> weightMap(JsonReader json, JsonSource source, LoadOptions options,
            Set<String> shards) throws PtsafeException {
        expect(json, JsonToken.START_OBJECT, "weight_map");
        Map<String, String> map = new LinkedHashMap<>();
        for (JsonToken t = json.next(); t != JsonToken.END_OBJECT; t = json.next()) {
            key(json, t);
            String tensor = json.text();
            long at = json.offset();
            if (map.containsKey(tensor)) {
                throw new PtsafeException(Reason.DUPLICATE_KEY, source.file(), "tensor '" + JsonReader.abbreviate(tensor)
                        + "' appears twice in weight_map (at " + source.at(at) + ")");
            }
            if (map.size() == options.maxTensors()) {
                throw Limit.MAX_TENSORS.exceeded(source.file(), "weight_map entry count at '"
                        + JsonReader.abbreviate(tensor) + "' (" + source.at(at) + ")",
                        map.size() + 1L, options.maxTensors());
            }
            expect(json, JsonToken.VALUE_STRING, "the shard of tensor '" + JsonReader.abbreviate(tensor) + "'");
            String shard = json.text();
            ShardPaths.checkName(shard, source.file(), "for tensor '" + JsonReader.abbreviate(tensor) + "' at "
                    + source.at(json.offset()));
            if (shards.add(shard) && shards.size() > options.maxShards()) {
                throw Limit.MAX_SHARDS.exceeded(source.file(), "shard count at '"
                        + JsonReader.abbreviate(shard) + "' (" + source.at(json.offset()) + ")",
                        shards.size(), options.maxShards());
            }
            map.put(tensor, shard);
        }
        return map;
    }

    private static void key(JsonReader json, JsonToken t) throws PtsafeException {
        if (t != JsonToken.FIELD_NAME) {
            throw json.source().malformed(json.offset(), "expected a key, found " + JsonReader.describe(t));
        }
    }

    private static void expect(JsonReader json, JsonToken wanted, String what) throws PtsafeException {
        JsonToken found = json.next();
        if (found != wanted) {
            throw json.source().malformed(json.offset(), what + " must be " + JsonReader.describe(wanted)
                    + ", found " + JsonReader.describe(found));
        }
    }
}
