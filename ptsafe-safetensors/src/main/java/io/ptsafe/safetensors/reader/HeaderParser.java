package io.ptsafe.safetensors.reader;

import com.fasterxml.jackson.core.JsonToken;
import io.ptsafe.DType;
import io.ptsafe.Limit;
import io.ptsafe.LimitExceededException;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the shape of a safetensors header from the token stream: an object whose keys are tensor
 * names mapping to {@code {"dtype", "shape", "data_offsets"}}, plus an optional {@code __metadata__}.
 * Stricter than the reference, which would let these through:
 * <ul>
 *   <li>a tensor entry with an unknown key, or lacking one: {@link Reason#INVALID_TENSOR_ENTRY};
 *   <li>{@code __metadata__} is always metadata and must be an object of strings (not null):
 *       {@link Reason#INVALID_METADATA}; when a non-string value sits under {@code dtype}, {@code shape}
 *       or {@code data_offsets}, it is a tensor entry under the reserved name:
 *       {@link Reason#INVALID_TENSOR_NAME};
 *   <li>duplicate keys in any object: {@link Reason#DUPLICATE_KEY} (found by {@link JsonReader});
 *   <li>more {@code __metadata__} entries than {@link LoadOptions#maxContainerItems()} (it is one decoded
 *       dict): {@link Reason#INVALID_METADATA} as a {@link LimitExceededException}.
 * </ul>
 * Numbers follow {@link JsonReader#unsignedLong(java.util.function.Supplier)}. The order of offsets is
 * {@link HeaderValidation}'s business, not this class's.
 */
final class HeaderParser {
    static final String METADATA_KEY = "__metadata__";
    private static final Set<String> ENTRY_KEYS = Set.of("dtype", "shape", "data_offsets");
    private static final List<String> ENTRY_ORDER = List.of("dtype", "shape", "data_offsets");

    private final JsonReader json;
    private final LoadOptions options;
    private final JsonSource source;

    private HeaderParser(JsonReader json, LoadOptions options) {
        this.json = json;
        this.options = options;
        this.source = json.source();
    }

    static Header parse(JsonReader json, LoadOptions options) throws PtsafeException {
        return new HeaderParser(json, options).header();
    }

    private Header header() throws PtsafeException {
        expect(json.next(), JsonToken.START_OBJECT, "the header");
        List<TensorInfo> tensors = new ArrayList<>();
        Map<String, String> metadata = null;
        // Duplicate tensor names are jackson's to find (JsonReader); BasicTensorFile checks again.
        for (String name = nextKey(); name != null; name = nextKey()) {
            long at = json.offset();
            if (name.equals(METADATA_KEY)) {
                if (metadata != null) {
                    throw duplicate(name, at, "at the top level");
                }
                metadata = metadata(at);
            } else {
                if (tensors.size() == options.maxTensors()) {
                    throw Limit.MAX_TENSORS.exceeded(source.file(), "tensor count at tensor '"
                            + JsonReader.abbreviate(name) + "' (" + source.at(at) + ")",
                            tensors.size() + 1L, options.maxTensors());
                }
                tensors.add(entry(name, at));
            }
        }
        JsonToken after = json.next();
        if (after != null) {
            throw source.malformed(json.offset(), "content after the header object: " + JsonReader.describe(after)
                    + "; only whitespace may follow '}'");
        }
        return new Header(Collections.unmodifiableList(tensors), metadata == null ? Map.of() : metadata);
    }

    private TensorInfo entry(String name, long at) throws PtsafeException {
        expect(json.next(), JsonToken.START_OBJECT, "tensor '" + JsonReader.abbreviate(name) + "'");
        DType dtype = null;
        long[] shape = null;
        long[] offsets = null;
        // The keys seen, one bit each in the order of ENTRY_ORDER (no set per tensor).
        int seen = 0;
        for (String key = nextKey(); key != null; key = nextKey()) {
            long keyAt = json.offset();
            int bit = switch (key) {
                case "dtype" -> 1;
                case "shape" -> 2;
                case "data_offsets" -> 4;
                default -> throw new PtsafeException(Reason.INVALID_TENSOR_ENTRY, source.file(), source.tensor(name, at)
                        + " has an unknown key '" + JsonReader.abbreviate(key) + "' at " + source.at(keyAt)
                        + "; an entry holds exactly dtype, shape and data_offsets");
            };
            if ((seen & bit) != 0) {
                throw duplicate(key, keyAt, "in tensor '" + JsonReader.abbreviate(name) + "'");
            }
            seen |= bit;
            switch (bit) {
                case 1 -> dtype = dtype(name, at);
                case 2 -> shape = numbers(name, at, "shape", options.maxRank());
                default -> {
                    offsets = numbers(name, at, "data_offsets", 2);
                    if (offsets.length != 2) {
                        throw source.malformed(keyAt, source.tensor(name, at) + " data_offsets has " + offsets.length
                                + " numbers; it must be [begin, end]");
                    }
                }
            }
        }
        for (int i = 0; i < ENTRY_ORDER.size(); i++) {
            if ((seen & 1 << i) == 0) {
                throw new PtsafeException(Reason.INVALID_TENSOR_ENTRY, source.file(), source.tensor(name, at)
                        + " lacks '" + ENTRY_ORDER.get(i) + "'; an entry holds exactly dtype, shape and data_offsets");
            }
        }
        return new TensorInfo(name, dtype, shape, offsets[0], offsets[1], at);
    }

    private DType dtype(String name, long at) throws PtsafeException {
        expect(json.next(), JsonToken.VALUE_STRING, "tensor '" + JsonReader.abbreviate(name) + "' dtype");
        String s = json.text();
        return DType.fromSafetensorsName(s).orElseThrow(() -> new PtsafeException(Reason.UNKNOWN_DTYPE,
                source.file(), source.tensor(name, at) + " has dtype '" + JsonReader.abbreviate(s) + "' at "
                + source.at(json.offset())
                + ", which is not a safetensors dtype (names are case-sensitive: "
                + Arrays.stream(DType.values()).flatMap(d -> d.safetensorsName().stream()).toList() + ")"));
    }

    /**
     * An array of unsigned integers: the {@code field} of tensor {@code name}. More than {@code max}
     * elements: for a shape over {@link LoadOptions#maxRank()}, {@link Reason#TOO_MANY_DIMENSIONS}; for
     * offsets, malformed.
     */
    private long[] numbers(String name, long at, String field, int max) throws PtsafeException {
        expect(json.next(), JsonToken.START_ARRAY, "tensor '" + JsonReader.abbreviate(name) + "' " + field);
        long arrayAt = json.offset();
        long[] values = new long[Math.min(max, 8)];
        int n = 0;
        for (JsonToken t = json.next(); t != JsonToken.END_ARRAY; t = json.next()) {
            if (n == max) {
                if (field.equals("shape")) {
                    throw Limit.MAX_RANK.exceeded(source.file(), source.tensor(name, at)
                            + " shape at " + source.at(arrayAt) + ": dimension count", n + 1L, max);
                }
                throw source.malformed(json.offset(), source.tensor(name, at) + " " + field + " has more than " + max
                        + " numbers");
            }
            if (n == values.length) {
                values = Arrays.copyOf(values, (int) Math.min(max, 2L * n));
            }
            int index = n;
            long v = json.unsignedLong(() -> source.tensor(name, at) + " " + field + "[" + index + "]");
            values[n++] = v;
        }
        return Arrays.copyOf(values, n);
    }

    private Map<String, String> metadata(long at) throws PtsafeException {
        JsonToken t = json.next();
        if (t != JsonToken.START_OBJECT) {
            throw new PtsafeException(Reason.INVALID_METADATA, source.file(), METADATA_KEY + " at " + source.at(at)
                    + " must be an object of string values, found " + JsonReader.describe(t));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (String key = nextKey(); key != null; key = nextKey()) {
            long keyAt = json.offset();
            if (metadata.containsKey(key)) {
                throw duplicate(key, keyAt, "in " + METADATA_KEY);
            }
            if (metadata.size() == options.maxContainerItems()) {
                throw Limit.MAX_CONTAINER_ITEMS.exceeded(Reason.INVALID_METADATA, source.file(), METADATA_KEY
                        + " entry count at '" + JsonReader.abbreviate(key) + "' (" + source.at(keyAt) + ")",
                        metadata.size() + 1L, options.maxContainerItems());
            }
            JsonToken v = json.next();
            if (v != JsonToken.VALUE_STRING) {
                if (ENTRY_KEYS.contains(key)) {
                    throw new PtsafeException(Reason.INVALID_TENSOR_NAME, source.file(), METADATA_KEY + " at "
                            + source.at(at) + " holds " + JsonReader.describe(v) + " under '" + key
                            + "', like a tensor entry: no tensor may be named " + METADATA_KEY
                            + ", the name is reserved for metadata (an object of strings)");
                }
                throw new PtsafeException(Reason.INVALID_METADATA, source.file(), METADATA_KEY + " value of '"
                        + JsonReader.abbreviate(key) + "' at " + source.at(json.offset()) + " is "
                        + JsonReader.describe(v) + "; metadata values must be strings");
            }
            metadata.put(key, json.text());
        }
        return Collections.unmodifiableMap(metadata);
    }

    /** The next key of the current object, or null at its end. */
    private String nextKey() throws PtsafeException {
        JsonToken t = json.next();
        if (t == JsonToken.END_OBJECT) {
            return null;
        }
        if (t != JsonToken.FIELD_NAME) {
            throw source.malformed(json.offset(), "expected a key, found " + JsonReader.describe(t));
        }
        return json.text();
    }

    private void expect(JsonToken found, JsonToken wanted, String what) throws PtsafeException {
        if (found != wanted) {
            throw source.malformed(json.offset(), what + " must be " + JsonReader.describe(wanted) + ", found "
                    + JsonReader.describe(found));
        }
    }

    private PtsafeException duplicate(String key, long at, String where) {
        return new PtsafeException(Reason.DUPLICATE_KEY, source.file(), "key '" + JsonReader.abbreviate(key)
                + "' appears twice " + where + " (at " + source.at(at) + ")");
    }
}
