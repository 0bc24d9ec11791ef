package io.ptsafe.djl;

import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.nn.recurrent.RecurrentBlock;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * torch's names for a DJL block's parameters, from a walk of the block tree.
 *
 * <p>DJL names a child {@code String.format("%02d%s", position, name)} ({@code AbstractBlock.addChildBlock})
 * and a parameter path joins them with {@code _} ({@code AbstractBaseBlock.getParameters}):
 * {@code 01Linear_weight}. torch joins module names with {@code .}, and a {@code nn.Sequential}
 * names its children by index from 0: {@code 0.weight}. So a child of a {@link SequentialBlock}
 * or {@link ParallelBlock} is named {@code position - 1}, any other child by its name without the
 * position ({@code 01emb} is {@code emb}), and parameters as the table below; every other parameter
 * keeps its DJL name (Linear's and Conv's {@code weight}, {@code bias}; a custom block's own).
 */
final class BlockNames {
    /** DJL parameter names that differ from torch's, by kind of block. */
    private static final Map<String, String> NORM = Map.of("gamma", "weight", "beta", "bias");
    private static final Map<String, String> BATCH_NORM = Map.of("gamma", "weight", "beta", "bias",
            "runningMean", "running_mean", "runningVar", "running_var");
    private static final Map<String, String> EMBEDDING = Map.of("embedding", "weight");
    /** RecurrentBlock's {@code l_0_i2h_WEIGHT}: direction, layer, input or hidden, weight or bias. */
    private static final Pattern RECURRENT = Pattern.compile("([lr])_(\\d+)_(i2h|h2h)_(WEIGHT|BIAS)");
    /** torch buffers with no DJL parameter: in a state dict, neither loaded nor unexpected. */
    private static final String NUM_BATCHES_TRACKED = "num_batches_tracked";

    /** One parameter: DJL's path, torch's name. */
    record Slot(String djlPath, String name, Parameter parameter) {
    }

    private final List<Slot> slots = new ArrayList<>();
    private final Set<String> ignorable = new LinkedHashSet<>();

    private BlockNames() {
    }

    static BlockNames of(Block root) {
        BlockNames names = new BlockNames();
        names.walk(root, "", "");
        return names;
    }

    List<Slot> slots() {
        return slots;
    }

    /** {@return torch names a state dict may hold that the block has no parameter for} */
    Set<String> ignorable() {
        return ignorable;
    }

    private void walk(Block block, String djlPrefix, String torchPrefix) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            slots.add(new Slot(djlPrefix + p.getKey(), torchPrefix + parameterName(block, p.getKey()), p.getValue()));
        }
        if (block instanceof BatchNorm) {
            ignorable.add(torchPrefix + NUM_BATCHES_TRACKED);
        }
        boolean indexed = block instanceof SequentialBlock || block instanceof ParallelBlock;
        int position = 1;
        for (Pair<String, Block> c : block.getChildren()) {
            String key = c.getKey();
            String prefix = String.format(Locale.ROOT, "%02d", position);
            String local = indexed ? Integer.toString(position - 1)
                    : key.startsWith(prefix) ? key.substring(prefix.length()) : key;
            walk(c.getValue(), djlPrefix + key + "_", torchPrefix + local + ".");
            position++;
        }
    }

    private static String parameterName(Block block, String name) {
        if (block instanceof BatchNorm) {
            return BATCH_NORM.getOrDefault(name, name);
        }
        if (block instanceof LayerNorm) {
            return NORM.getOrDefault(name, name);
        }
        if (block instanceof Embedding<?> || block instanceof IdEmbedding) {
            return EMBEDDING.getOrDefault(name, name);
        }
        if (block instanceof RecurrentBlock) {
            // torch's RNNBase: weight_ih_l{k}{suffix}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}; suffix
            // "_reverse" for the backward direction. DJL's PyTorch engine passes these to torch::lstm /
            // torch::gru in torch's gate order, so the values need no reordering.
            Matcher m = RECURRENT.matcher(name);
            if (m.matches()) {
                return (m.group(4).equals("WEIGHT") ? "weight" : "bias") + "_" + (m.group(3).equals("i2h") ? "ih" : "hh")
                        + "_l" + m.group(2) + (m.group(1).equals("r") ? "_reverse" : "");
            }
        }
        return name;
    }
}
