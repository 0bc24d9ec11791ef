package io.ptsafe.pickle.torch;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.pickle.machine.Buildable;
import io.ptsafe.pickle.machine.Call;

/**
 * A tensor as the pickle describes it, before any byte is read: the storage it views, its dtype
 * and its view geometry. torch's rebuild functions produce these; {@link TensorTree} turns them into
 * {@link io.ptsafe.Tensor}s over the records.
 *
 * <p>A class, not a record, for one mutable field: how often the conversion of the pickle's result
 * met it ({@link #meet()}), which spares the converter a table of every tensor hashed by identity.
 * Two rebuilds of one storage are two tensors: equality is identity.
 */
final class TensorNode implements Buildable {
    private final StorageRef storage;
    private final DType dtype;
    private final long storageOffset;
    private final long[] shape;
    private final long[] strides;
    private final boolean requiresGrad;
    private final boolean parameter;
    private final Quantization quantization;
    /**
     * Whether {@link #strides} are the row-major ones of {@link #shape}: found while the rebuild's
     * arrays are fresh, so that the conversion, long after, need not read the strides at all.
     */
    private final boolean rowMajor;
    /** Places the conversion met this node at, saturating at 2 ({@link io.ptsafe.pickle.machine.TreeConverter.Leaves#meet}). */
    private byte meetings;

    /** A quantizer's parameters as the pickle gives them; {@link io.ptsafe.Quantization} says what they mean. */
    public sealed interface Quantization {
        /** {@code per_tensor_affine}. */
        record PerTensor(double scale, long zeroPoint) implements Quantization {
        }

        /** The per-channel schemes: scales and zero points are 1-d tensors of the pickle, checked. */
        record PerChannel(TensorNode scales, TensorNode zeroPoints, int axis) implements Quantization {
        }
    }

    /**
     * Takes {@code shape} and {@code strides} as they are, and hands them out as they are: every
     * caller passes arrays it just made (or another node's), and nothing writes them once a node
     * holds them (the class is package-private; builders copy). Copying on the way in and out made
     * seven arrays per tensor.
     *
     * @param storage       the storage viewed
     * @param dtype         the element type (the storage's, or {@code _rebuild_tensor_v3}'s)
     * @param storageOffset first element, in elements of {@code dtype}
     * @param shape         sizes
     * @param strides       strides in elements
     * @param requiresGrad  as saved; recorded only
     * @param parameter     whether it was an {@code nn.Parameter}
     * @param quantization  the quantizer's parameters, or null
     */
    TensorNode(StorageRef storage, DType dtype, long storageOffset, long[] shape, long[] strides,
            boolean requiresGrad, boolean parameter, Quantization quantization) {
        this.storage = storage;
        this.dtype = dtype;
        this.storageOffset = storageOffset;
        this.shape = shape;
        this.strides = strides;
        this.requiresGrad = requiresGrad;
        this.parameter = parameter;
        this.quantization = quantization;
        this.rowMajor = rowMajor(shape, strides);
    }

    /**
     * Whether {@code strides} are the row-major ones of {@code shape} (a 0 dimension counts as 1), as
     * Tensor's builder finds them. The products wrap unchecked: a shape whose products overflow is
     * refused by the builder (which multiplies them checked before it reads any stride) whether or
     * not its strides are passed, and so is a negative size.
     */
    static boolean rowMajor(long[] shape, long[] strides) {
        if (strides == null) {
            return true;
        }
        if (strides.length != shape.length) {
            return false;
        }
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (strides[i] != acc) {
                return false;
            }
            acc = shape[i] == 0 ? acc : acc * shape[i];
        }
        return true;
    }

    /** Whether the strides are the row-major ones of the shape ({@link #rowMajor(long[], long[])}). */
    boolean rowMajor() {
        return rowMajor;
    }

    StorageRef storage() {
        return storage;
    }

    DType dtype() {
        return dtype;
    }

    long storageOffset() {
        return storageOffset;
    }

    long[] shape() {
        return shape;
    }

    long[] strides() {
        return strides;
    }

    boolean requiresGrad() {
        return requiresGrad;
    }

    boolean parameter() {
        return parameter;
    }

    Quantization quantization() {
        return quantization;
    }

    /** Counts one more place the conversion met this node at: the count before (0, 1 or 2, saturating). */
    int meet() {
        int before = meetings;
        if (before < 2) {
            meetings = (byte) (before + 1);
        }
        return before;
    }

    /** The places counted by {@link #meet()} (0, 1 or 2 for more). */
    int meetings() {
        return meetings;
    }

    @Override
    public Object build(Object state, Call call) throws PtsafeException {
        return LegacyTensor.buildParameter(this, state, call);
    }

    /** This tensor as an {@code nn.Parameter}. */
    TensorNode asParameter(boolean requiresGrad) {
        return new TensorNode(storage, dtype, storageOffset, shape, strides, requiresGrad, true, quantization);
    }

    TensorNode withRequiresGrad(boolean requiresGrad) {
        return new TensorNode(storage, dtype, storageOffset, shape, strides, requiresGrad, parameter, quantization);
    }

    @Override
    public String toString() {
        return "TensorNode[" + dtype + java.util.Arrays.toString(shape) + " of storage " + storage.key() + "]";
    }
}
