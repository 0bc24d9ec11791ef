package io.ptsafe.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A torch state dict into a DJL block's parameters, and back: what torch's
 * {@code model.load_state_dict(torch.load(...))} and {@code torch.save(model.state_dict())} do.
 *
 * <pre>{@code
 * SequentialBlock mlp = new SequentialBlock()
 *         .add(Linear.builder().setUnits(8).build()).add(Activation::relu)
 *         .add(Linear.builder().setUnits(3).build());
 * try (Model model = Model.newInstance("mlp")) {
 *     StateDicts.initialize(model, mlp, Path.of("mlp.pt"), DjlOptions.defaults(), new Shape(1, 4));
 *     // model is ready for a Predictor
 * }
 * }</pre>
 *
 * <p><b>Names.</b> Each parameter gets torch's name from a walk of the block ({@link #names}):
 * {@code 01Linear_weight} of a SequentialBlock is {@code 0.weight}; BatchNorm's gamma, beta,
 * runningMean, runningVar are {@code weight}, {@code bias}, {@code running_mean},
 * {@code running_var}; LayerNorm's gamma and beta {@code weight}, {@code bias}; Embedding's
 * {@code embedding} is {@code weight}; LSTM/GRU's {@code l_0_i2h_WEIGHT} is {@code weight_ih_l0}
 * (no reordering: DJL's PyTorch engine runs torch's kernels with torch's gate order). The file's
 * names go through {@link DjlOptions#keys()} first. BatchNorm's {@code num_batches_tracked} has no
 * DJL parameter: it is reported {@linkplain LoadReport#ignored() ignored}, not unexpected.
 *
 * <p><b>Strict by default.</b> Every tensor is matched and checked (shape, and dtype after any
 * widening or dequantization the options ask for) before any is assigned; a strict load with any
 * problem throws one {@link StateDictMismatchException} listing them all and assigns nothing.
 * torch casts a tensor of another dtype silently; ptsafe-djl reports it.
 *
 * <p><b>Memory.</b> By default each tensor is copied into engine memory and replaces the parameter's
 * array ({@code NDArray.intern}: the parameter keeps its NDArray object, its name and gradient
 * setting), so in-place operations and training are safe. {@link Memory#READ_ONLY_VIEW} makes the
 * parameters views of the open file: read what that mode forbids. All new arrays are made before any
 * is assigned, so a load holds the old and the new parameters at once for a moment.
 */
public final class StateDicts {
    private StateDicts() {
    }

    /**
     * {@return torch's name of each of the block's parameters, by DJL's parameter path, in DJL's order}
     *
     * @param block the block (need not be initialized)
     */
    public static Map<String, String> names(Block block) {
        Map<String, String> names = new LinkedHashMap<>();
        for (BlockNames.Slot s : BlockNames.of(block).slots()) {
            names.put(s.djlPath(), s.name());
        }
        return names;
    }

    /**
     * Loads a state dict, strictly, copying.
     *
     * @param block an initialized block
     * @param file the open state dict
     * @return the report (with no problem)
     * @throws StateDictMismatchException if anything does not match; nothing is assigned
     */
    public static LoadReport load(Block block, TensorFile file) throws StateDictMismatchException {
        return load(block, file, DjlOptions.defaults());
    }

    /**
     * Loads a state dict into an initialized block's parameters.
     *
     * @param block an initialized block ({@code block.initialize(manager, DataType.FLOAT32, inputShape)},
     *        or a Model's after {@code initialize} of this class)
     * @param file the open state dict; with {@link Memory#READ_ONLY_VIEW}, keep it open while the block is used
     * @param options memory mode, strictness, dtype options and name rules
     * @return what was loaded and, when not strict, what did not match
     * @throws StateDictMismatchException if strict and anything does not match; nothing is assigned
     * @throws IllegalStateException if the block is not initialized
     */
    public static LoadReport load(Block block, TensorFile file, DjlOptions options) throws StateDictMismatchException {
        Objects.requireNonNull(block, "block");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(options, "options");
        BlockNames names = BlockNames.of(block);
        for (BlockNames.Slot s : names.slots()) {
            if (!s.parameter().isInitialized()) {
                throw new IllegalStateException("parameter '" + s.djlPath() + "' is not initialized: call"
                        + " block.initialize(manager, DataType.FLOAT32, inputShapes) first, or StateDicts.initialize");
            }
        }
        Map<String, BlockNames.Slot> byName = new HashMap<>();
        for (BlockNames.Slot s : names.slots()) {
            byName.put(s.name(), s);
        }
        List<String> loaded = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        List<LoadReport.Mismatch> shapes = new ArrayList<>();
        List<LoadReport.Mismatch> dtypes = new ArrayList<>();
        Map<String, Tensor> matched = new LinkedHashMap<>();
        for (Tensor t : file.tensors()) {
            String name = options.keys().toBlock(t.name());
            BlockNames.Slot slot = byName.get(name);
            if (slot == null || matched.containsKey(name)) {
                // A second tensor mapped onto one parameter by the rules is unexpected too.
                if (slot == null && names.ignorable().contains(name)) {
                    ignored.add(t.name());
                } else {
                    unexpected.add(t.name());
                }
                continue;
            }
            matched.put(name, t);
            NDArray current = slot.parameter().getArray();
            boolean ok = true;
            Shape want = current.getShape();
            if (!Arrays.equals(want.getShape(), t.shape())) {
                shapes.add(new LoadReport.Mismatch(name, t.name(), want.toString(), new Shape(t.shape()).toString()));
                ok = false;
            }
            NDManager manager = current.getManager();
            DataType type = Conversion.target(manager, t, options).orElse(null);
            boolean castable = options.cast() && type != null && real(type) && real(current.getDataType());
            if (type != current.getDataType() && !castable) {
                dtypes.add(new LoadReport.Mismatch(name, t.name(), current.getDataType().name(),
                        type == null ? Conversion.refusal(manager, t, options)
                                : t.dtype() + " (as " + type.name() + ")"));
                ok = false;
            }
            if (ok) {
                loaded.add(name);
            }
        }
        List<String> missing = new ArrayList<>();
        for (BlockNames.Slot s : names.slots()) {
            if (!matched.containsKey(s.name())) {
                missing.add(s.name());
            }
        }
        LoadReport report = new LoadReport(loaded, missing, unexpected, ignored, shapes, dtypes);
        if (options.strict() && report.hasProblems()) {
            throw new StateDictMismatchException(file.path(), report);
        }
        assign(byName, matched, loaded, options);
        return report;
    }

    /**
     * Loads a state dict from a path, copying (the file is closed on return).
     *
     * @param block an initialized block
     * @param path the state dict: safetensors, a sharded checkpoint's index, or a torch {@code .pt}
     * @param options strictness, dtype options, name rules, limits; memory must be {@link Memory#COPY}
     * @return the report
     * @throws StateDictMismatchException if strict and anything does not match; nothing is assigned
     * @throws PtsafeException if ptsafe refuses the file
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if the options ask for {@link Memory#READ_ONLY_VIEW}
     */
    public static LoadReport load(Block block, Path path, DjlOptions options) throws IOException {
        PtsafeNDList.requireCopy(options);
        try (TensorFile file = SafeLoader.open(path, options.loadOptions())) {
            return load(block, file, options);
        }
    }

    /**
     * Sets the model's block, initializes it for the input shapes (parameters start as zeros, not
     * random values, since the file overwrites them) in the model's manager, as FLOAT32, and loads the
     * state dict into it, copying. One call from a file to a model ready for a {@code Predictor}.
     *
     * @param model the model (its block is replaced)
     * @param block the block, uninitialized
     * @param path the state dict
     * @param options strictness, dtype options, name rules, limits; memory must be {@link Memory#COPY}
     * @param inputShapes the block's input shapes, as {@code Block.initialize} takes them
     * @return the report
     * @throws StateDictMismatchException if strict and anything does not match
     * @throws PtsafeException if ptsafe refuses the file
     * @throws IOException if it cannot be read
     */
    public static LoadReport initialize(Model model, Block block, Path path, DjlOptions options, Shape... inputShapes)
            throws IOException {
        PtsafeNDList.requireCopy(options);
        model.setBlock(block);
        block.setInitializer(Initializer.ZEROS, p -> true);
        block.initialize(model.getNDManager(), DataType.FLOAT32, inputShapes);
        return load(block, path, options);
    }

    /**
     * Writes the block's parameters as a safetensors state dict under torch's names (through the
     * inverse of {@link DjlOptions#keys()}), with the metadata {@code format: pt}, atomically: torch
     * loads it with {@code safetensors.torch.load_file} into the model the block mirrors.
     *
     * @param block an initialized block
     * @param target the file to write
     * @param options the name rules (each must invert)
     * @return the size of the file written
     * @throws PtsafeException as {@link SafetensorsWriter#write(Path)}
     * @throws IllegalStateException if a parameter is not initialized or a rule does not invert
     */
    public static long save(Block block, Path target, DjlOptions options) throws PtsafeException {
        SafetensorsWriter writer = SafetensorsWriter.create().metadata("format", "pt");
        for (BlockNames.Slot s : BlockNames.of(block).slots()) {
            Parameter p = s.parameter();
            if (!p.isInitialized()) {
                throw new IllegalStateException("parameter '" + s.djlPath() + "' is not initialized");
            }
            writer.add(NDArrayTensors.toTensor(options.keys().toFile(s.name()), p.getArray()));
        }
        return writer.write(target);
    }

    private static boolean real(DataType t) {
        return t.isFloating() && t != DataType.COMPLEX64 || t.isInteger() || t.isBoolean();
    }

    private static void assign(Map<String, BlockNames.Slot> byName, Map<String, Tensor> matched, List<String> loaded,
            DjlOptions options) {
        // Every array first: a conversion that fails (a file closed meanwhile) leaves the block untouched.
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        try {
            for (String name : loaded) {
                NDArray current = byName.get(name).parameter().getArray();
                NDArray array = Conversion.toNDArray(current.getManager(), matched.get(name), options);
                if (array.getDataType() != current.getDataType()) {
                    // Asked for (DjlOptions.cast): load() let no other mismatch through.
                    try (NDArray uncast = array) {
                        array = uncast.toType(current.getDataType(), true);
                    }
                }
                arrays.put(name, array);
            }
        } catch (RuntimeException e) {
            arrays.values().forEach(NDArray::close);
            throw e;
        }
        arrays.forEach((name, array) -> {
            Parameter p = byName.get(name).parameter();
            NDArray current = p.getArray();
            String djlName = current.getName();
            // The parameter keeps its NDArray; its handle now points at the loaded values, the old ones are freed.
            current.intern(array);
            current.setName(djlName);
            if (options.memory() == Memory.COPY && p.requiresGradient()) {
                current.setRequiresGradient(true);
            }
        });
    }
}
