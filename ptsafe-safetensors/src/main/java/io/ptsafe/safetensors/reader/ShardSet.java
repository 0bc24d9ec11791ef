package io.ptsafe.safetensors.reader;

import io.ptsafe.FileFormat;
import io.ptsafe.LoadOptions;
import io.ptsafe.PtsafeException;
import io.ptsafe.Reason;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.spi.BasicTensorFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Opens the shards an index names and checks them against it, all or nothing: on any refusal the
 * shards already opened are closed.
 *
 * <p>Checks, in order: every shard path ({@link ShardPaths}); each shard opens with
 * {@link SafeLoader#open(Path, LoadOptions)} (so a {@code .bin} shard opens when ptsafe-pickle is
 * present); no tensor name is held by two shards ({@link Reason#DUPLICATE_TENSOR}, even when the
 * index names one of them); every weight_map entry is in its shard ({@link Reason#SHARD_TENSOR_MISSING});
 * no shard holds a tensor the index does not list ({@link Reason#INVALID_INDEX}): a tensor the index
 * hides would otherwise be loaded unseen by anyone reading the index.
 */
final class ShardSet {
    private ShardSet() {
    }

    static BasicTensorFile open(ShardIndex index, LoadOptions options) throws IOException {
        Path indexPath = index.file();
        Path folderReal;
        try {
            folderReal = indexPath.toAbsolutePath().getParent().toRealPath();
        } catch (IOException e) {
            throw new PtsafeException(Reason.IO_ERROR, indexPath, "cannot resolve the index's folder: " + e, e);
        }
        Map<String, Path> paths = new LinkedHashMap<>();
        for (String shard : index.shards()) {
            paths.put(shard, ShardPaths.resolve(folderReal, shard, indexPath));
        }
        Map<String, TensorFile> opened = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Path> e : paths.entrySet()) {
                opened.put(e.getKey(), SafeLoader.open(e.getValue(), options));
            }
            return combine(index, opened);
        } catch (IOException | RuntimeException | Error e) {
            for (TensorFile f : opened.values()) {
                try {
                    f.close();
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static BasicTensorFile combine(ShardIndex index, Map<String, TensorFile> shards) throws PtsafeException {
        Path indexPath = index.file();
        Map<String, String> holder = new HashMap<>();
        for (Map.Entry<String, TensorFile> s : shards.entrySet()) {
            for (Tensor t : s.getValue().tensors()) {
                String other = holder.putIfAbsent(t.name(), s.getKey());
                if (other != null && !other.equals(s.getKey())) {
                    throw new PtsafeException(Reason.DUPLICATE_TENSOR, indexPath, "tensor '"
                            + JsonReader.abbreviate(t.name()) + "' is held by shard '" + other + "' and by shard '"
                            + s.getKey() + "'" + (index.weightMap().containsKey(t.name())
                            ? " (the index names '" + index.weightMap().get(t.name()) + "')" : ""));
                }
            }
        }
        List<Tensor> tensors = new ArrayList<>(index.weightMap().size());
        for (Map.Entry<String, String> w : index.weightMap().entrySet()) {
            Optional<Tensor> t = shards.get(w.getValue()).findTensor(w.getKey());
            if (t.isEmpty()) {
                String elsewhere = holder.get(w.getKey());
                throw new PtsafeException(Reason.SHARD_TENSOR_MISSING, indexPath, "weight_map puts tensor '"
                        + JsonReader.abbreviate(w.getKey()) + "' in shard '" + w.getValue() + "', which does not hold it"
                        + (elsewhere == null ? "" : " (shard '" + elsewhere + "' does)"));
            }
            tensors.add(t.get());
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, TensorFile> s : shards.entrySet()) {
            for (Tensor t : s.getValue().tensors()) {
                if (!index.weightMap().containsKey(t.name())) {
                    throw new PtsafeException(Reason.INVALID_INDEX, indexPath, "shard '" + s.getKey()
                            + "' holds tensor '" + JsonReader.abbreviate(t.name())
                            + "', which the index's weight_map does not list");
                }
            }
            s.getValue().metadata().forEach(metadata::putIfAbsent);
        }
        return new BasicTensorFile(indexPath, FileFormat.SHARDED, tensors, metadata, null, null,
                List.copyOf(shards.values()));
    }
}
