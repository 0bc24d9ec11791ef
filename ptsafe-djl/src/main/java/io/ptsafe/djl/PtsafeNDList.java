package io.ptsafe.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.ptsafe.PtsafeException;
import io.ptsafe.SafeLoader;
import io.ptsafe.Tensor;
import io.ptsafe.TensorFile;
import io.ptsafe.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Every tensor of a file ptsafe reads (safetensors, a sharded checkpoint's index, torch {@code .pt}
 * in zip or legacy format) as a DJL {@link NDList}, in the file's order, each array
 * {@linkplain NDArray#getName() named} as its tensor; and an NDList written back as safetensors.
 *
 * <pre>{@code
 * try (NDManager manager = NDManager.newBaseManager()) {
 *     NDList weights = PtsafeNDList.load(manager, Path.of("model.pt"));
 *     NDArray w = weights.get("0.weight");
 * }
 * }</pre>
 *
 * <p>Unlike {@code NDList.decode}, nothing passes through the Java heap (each tensor goes from the
 * file's mapping into engine memory in one copy), files over 2 GiB load, and the file is validated
 * by ptsafe first (limits from {@link DjlOptions#loadOptions()}).
 *
 * <p><b>Dtypes.</b> F32, F64, F16, U8, I8, I32, I64 and BOOL load as themselves. Every other dtype
 * is refused with an {@link UnsupportedOperationException} naming the file, the tensor, the dtype
 * and the option that would take it: {@link DjlOptions#widen()} (BF16 and F8 to FLOAT32, I16 and U16
 * to INT32, U32 to INT64) or {@link DjlOptions#dequantize()} (QINT8, QUINT8, QINT32 to FLOAT32).
 * See {@code EngineTypes} for why BF16 is not handed to DJL's PyTorch engine as BFLOAT16.
 * An array holds at most 2^31 - 1 bytes (DJL's {@code NDManager.create}).
 */
public final class PtsafeNDList {
    private PtsafeNDList() {
    }

    /**
     * Loads every tensor of a file, copied into engine memory; the file is closed on return.
     *
     * @param manager the manager that owns the arrays
     * @param path the file (a sharded checkpoint: its index)
     * @return the arrays, in the file's order
     * @throws PtsafeException if ptsafe refuses the file
     * @throws IOException if it cannot be read
     * @throws UnsupportedOperationException if a tensor's dtype is refused (see the class comment)
     */
    public static NDList load(NDManager manager, Path path) throws IOException {
        return load(manager, path, DjlOptions.defaults());
    }

    /**
     * Loads every tensor of a file, copied into engine memory; the file is closed on return.
     *
     * @param manager the manager that owns the arrays
     * @param path the file (a sharded checkpoint: its index)
     * @param options the dtype options and the limits for opening the file; its memory mode must be
     *        {@link Memory#COPY}, since the file closes (use {@link #from} for views)
     * @return the arrays, in the file's order
     * @throws PtsafeException if ptsafe refuses the file
     * @throws IOException if it cannot be read
     * @throws UnsupportedOperationException if a tensor's dtype is refused (see the class comment)
     * @throws IllegalArgumentException if the options ask for {@link Memory#READ_ONLY_VIEW}
     */
    public static NDList load(NDManager manager, Path path, DjlOptions options) throws IOException {
        Objects.requireNonNull(manager, "manager");
        requireCopy(options);
        try (TensorFile file = SafeLoader.open(path, options.loadOptions())) {
            return from(manager, file, options);
        }
    }

    /**
     * Every tensor of an open file as NDArrays, in the file's order. With {@link Memory#READ_ONLY_VIEW}
     * the arrays view the file's mapping: keep the file open while they are used, and see that mode
     * for what it forbids. On failure, the arrays already made are closed.
     *
     * @param manager the manager that owns the arrays
     * @param file an open file
     * @param options the memory mode and dtype options
     * @return the arrays
     * @throws UnsupportedOperationException if a tensor's dtype is refused (see the class comment)
     */
    public static NDList from(NDManager manager, TensorFile file, DjlOptions options) {
        Objects.requireNonNull(manager, "manager");
        Objects.requireNonNull(options, "options");
        List<Tensor> tensors = file.tensors();
        // Every dtype first, so a refusal costs no copy.
        for (Tensor t : tensors) {
            if (Conversion.target(manager, t, options).isEmpty()) {
                throw new UnsupportedOperationException(Conversion.where(t) + ": " + Conversion.refusal(manager, t, options));
            }
        }
        NDList list = new NDList(tensors.size());
        try {
            for (Tensor t : tensors) {
                list.add(Conversion.toNDArray(manager, t, options));
            }
        } catch (RuntimeException e) {
            list.close();
            throw e;
        }
        return list;
    }

    /**
     * Writes the arrays as safetensors under their names, atomically, with the metadata
     * {@code format: pt} (what {@code safetensors.torch.save_file} writes), so torch reads them back.
     *
     * @param list arrays with distinct, non-empty names, of a dtype safetensors stores
     * @param target the file to write (replaced if it exists)
     * @return the size of the file written
     * @throws PtsafeException as {@link SafetensorsWriter#write(Path)}
     * @throws IllegalArgumentException if an array has no name or a type safetensors cannot store
     */
    public static long save(NDList list, Path target) throws PtsafeException {
        SafetensorsWriter writer = SafetensorsWriter.create().metadata("format", "pt");
        for (NDArray a : list) {
            String name = a.getName();
            if (name == null || name.isEmpty()) {
                throw new IllegalArgumentException("an array of shape " + a.getShape() + " has no name: name every array"
                        + " (NDArray.setName) to write it");
            }
            writer.add(NDArrayTensors.toTensor(name, a));
        }
        return writer.write(target);
    }

    static void requireCopy(DjlOptions options) {
        if (options.memory() != Memory.COPY) {
            throw new IllegalArgumentException("memory " + options.memory() + " needs the file open while the arrays"
                    + " are used: open it with SafeLoader and pass the TensorFile");
        }
    }
}
