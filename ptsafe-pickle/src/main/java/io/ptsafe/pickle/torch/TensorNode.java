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
 * @param storage       the storage viewed
 * @param dtype         the element type (the storage's, or {@code _rebuild_tensor_v3}'s)
 * @param storageOffset first element, in elements of {@code dtype}
 * @param shape         sizes
 * @param strides       strides in elements
 * @param requiresGrad  as saved; recorded only
 * @param parameter     whether it was an {@code nn.Parameter}
 * @param quantization  the quantizer's parameters, or null
 */
record TensorNode(StorageRef storage, DType dtype, long storageOffset, long[] shape, long[] strides,
        boolean requiresGrad, boolean parameter, Quantization quantization) implements Buildable {

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
     * holds them (the record is package-private; builders copy). Copying on the way in and out made
     * seven arrays per tensor.
     */
    public TensorNode {
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

    // Identity semantics: two rebuilds of one storage are two tensors (records would compare arrays by reference anyway).
    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return System.identityHashCode(this);
    }

    @Override
    public String toString() {
        return "TensorNode[" + dtype + java.util.Arrays.toString(shape) + " of storage " + storage.key() + "]";
    }
}
