package io.ptsafe.safetensors;

import io.ptsafe.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits tensors into shards of at most {@code maxShardSize} tensor bytes, as huggingface_hub's
 * {@code split_state_dict_into_shards_factory} does: in source order, a new shard when the next
 * tensor would overflow the current one, and a tensor larger than the limit alone in a shard of its
 * own.
 */
final class ShardPlan {
    private ShardPlan() {
    }

    static List<Map<String, Tensor>> split(Map<String, Tensor> tensors, long maxShardSize) {
        List<Map<String, Tensor>> shards = new ArrayList<>();
        Map<String, Tensor> current = new LinkedHashMap<>();
        long currentSize = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long size = e.getValue().byteSize();
            if (size > maxShardSize) {
                shards.add(new LinkedHashMap<>(Map.of(e.getKey(), e.getValue())));
                continue;
            }
            if (!current.isEmpty() && currentSize + size > maxShardSize) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentSize = 0;
            }
            current.put(e.getKey(), e.getValue());
            currentSize += size;
        }
        if (!current.isEmpty() || shards.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }
}
