package io.ptsafe.safetensors.reader;

import io.ptsafe.ContainerKind;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.TensorFile;
import io.ptsafe.spi.FileProbe;
import io.ptsafe.spi.FormatProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a sharded checkpoint as one {@link TensorFile} of format {@link io.ptsafe.FileFormat#SHARDED}:
 * given its index JSON, or a folder holding {@code model.safetensors.index.json} (preferred) or
 * {@code pytorch_model.bin.index.json}.
 *
 * <ul>
 *   <li>{@link TensorFile#path()} is the index; {@link TensorFile#tensors()} follow weight_map's order;
 *       each tensor's {@link io.ptsafe.Tensor#file()} is its shard.
 *   <li>{@link TensorFile#metadata()} merges the shards' {@code __metadata__}: keys in order of first
 *       appearance, shards in order of first mention in weight_map, the first shard's value winning
 *       where shards disagree. The index's own {@code metadata} (total_size) is advisory and not exposed.
 *   <li>{@link TensorFile#close()} closes every shard.
 *   <li>A shard may not itself be an index: nested sharded opens are refused with
 *       {@link Reason#INVALID_INDEX} (an index naming itself would otherwise recurse without end).
 * </ul>
 *
 * <p>The index: {@code {"metadata": {"total_size": n, ...}, "weight_map": {"tensor": "shard", ...}, ...}};
 * weight_map is required, other keys are tolerated, {@code metadata} and {@code total_size} are advisory
 * and not checked. It is read like a safetensors header: at most {@link LoadOptions#maxHeaderBytes()}
 * bytes, strict UTF-8, the same JSON limits, duplicate keys refused ({@link Reason#DUPLICATE_KEY});
 * other faults are {@link Reason#INVALID_INDEX}. {@link LoadOptions#maxTensors()} bounds weight_map,
 * {@link LoadOptions#maxShards()} the distinct shards ({@link Reason#TOO_MANY_SHARDS}).
 *
 * <p>Shards: a plain file name in the index's folder. Absolute names, "." and "..", '/', '\', ':' and
 * NUL, and symbolic links leading outside the folder are {@link Reason#SHARD_OUTSIDE_FOLDER}, except
 * the Hugging Face cache's links from {@code <repo>/snapshots/<revision>/} to that repository's
 * {@code blobs/<hash>} ({@link ShardPaths}); a name that is not a regular file is {@link Reason#SHARD_MISSING}. Every shard is opened
 * with {@link io.ptsafe.SafeLoader#open(java.nio.file.Path, LoadOptions)} and the same options (a
 * {@code .bin} shard opens when ptsafe-pickle is present), then: a tensor held by two shards is
 * {@link Reason#DUPLICATE_TENSOR} even when the index names one of them; a weight_map entry its shard
 * does not hold is {@link Reason#SHARD_TENSOR_MISSING}; a tensor a shard holds but weight_map does not
 * list is refused with {@link Reason#INVALID_INDEX}, so no tensor is loaded that a reader of the index
 * would not see. On any refusal the shards already opened are closed.
 *
 * <p>Recognition: a folder holding one of the two index names as a regular file; or a file whose
 * first 8 bytes hold no NUL (a safetensors file's header length always does), whose first byte after
 * JSON whitespace is '{', and whose first {@value FileProbe#HEAD_BYTES} bytes contain "weight_map".
 */
public final class ShardedProvider implements FormatProvider {
    /** Index file names looked for in a folder, in order of preference. */
    static final List<String> INDEX_NAMES = List.of("model.safetensors.index.json", "pytorch_model.bin.index.json");
    private static final byte[] WEIGHT_MAP = "\"weight_map\"".getBytes(StandardCharsets.US_ASCII);
    private static final ThreadLocal<Boolean> OPENING = ThreadLocal.withInitial(() -> false);

    /** For {@link java.util.ServiceLoader}. */
    public ShardedProvider() {
    }

    @Override
    public String name() {
        return "sharded checkpoint index";
    }

    /** Above the single-file formats: an index is JSON, which nothing else starts with. */
    @Override
    public int priority() {
        return 10;
    }

    @Override
    public ContainerKind container(FileProbe probe) {
        return ContainerKind.SHARDED;
    }

    @Override
    public boolean recognizes(FileProbe probe) {
        if (probe.isDirectory()) {
            return indexIn(probe.path()) != null;
        }
        // The first bytes read in place; the head copied only for the search of an index's key.
        int n = probe.headLength();
        for (int i = 0; i < Math.min(8, n); i++) {
            if (probe.headByte(i) == 0) {
                return false;
            }
        }
        int i = 0;
        while (i < n && SafetensorsProvider.isJsonWhitespace(probe.headByte(i))) {
            i++;
        }
        return i < n && probe.headByte(i) == '{' && contains(probe.head(), WEIGHT_MAP);
    }

    @Override
    public TensorFile open(FileProbe probe, LoadOptions options) throws IOException {
        Path index = probe.isDirectory() ? indexIn(probe.path()) : probe.path();
        if (index == null) {
            throw new PtsafeException(Reason.UNKNOWN_FORMAT, probe.path(), "the folder holds none of " + INDEX_NAMES);
        }
        if (OPENING.get()) {
            throw new PtsafeException(Reason.INVALID_INDEX, index, "a shard is itself a sharded checkpoint index;"
                    + " shards must be single files");
        }
        OPENING.set(true);
        try {
            return ShardSet.open(ShardIndex.read(index, options), options);
        } finally {
            OPENING.remove();
        }
    }

    private static Path indexIn(Path folder) {
        for (String name : INDEX_NAMES) {
            Path p = folder.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private static boolean contains(byte[] head, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= head.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (head[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
