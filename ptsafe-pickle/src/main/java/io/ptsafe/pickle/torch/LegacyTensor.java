package io.ptsafe.pickle.torch;

import io.ptsafe.DType;
import io.ptsafe.PtsafeException;
import io.ptsafe.PyValue;
import io.ptsafe.pickle.machine.Buildable;
import io.ptsafe.pickle.machine.Call;
import io.ptsafe.pickle.machine.ListObj;
import io.ptsafe.pickle.machine.TupleObj;
import io.ptsafe.pickle.machine.Values;
import java.util.List;

/**
 * A tensor as pickles before torch 0.4 encode it: the tensor class called with no argument
 * ({@code torch.FloatTensor()}, REDUCE) makes an empty tensor, and BUILD sets
 * {@code (storage, storage_offset, size, stride)}: early torch's {@code _TensorBase.__reduce__}
 * returned {@code (type(self), (), state)} (pytorch's test_serialization.py keeps it as
 * {@code OldTensorV1}; the 0.2/0.3 era wrote {@code _rebuild_tensor} instead). torch 1.13's restricted unpickler does {@code inst.set_(*state)} when
 * {@code type(inst) is torch.Tensor} ({@code torch/_weights_only_unpickler.py} lines 154-159; the
 * same on main, commit 00f730b6), and {@code set_} refuses a storage of another dtype ("Expected a
 * Storage of type float or an UntypedStorage", checked with torch 1.13; an untyped storage in a
 * persistent id is read as uint8, so it passes only for a uint8 tensor) and a view past the
 * storage's end. The state is read as data and checked like a rebuild function's arguments
 * ({@link RebuildChecks}); the result is an ordinary {@link TensorNode}.
 *
 * <p>Mutable, as the tensor it stands for: the pickle memoizes the empty tensor before BUILD, and a
 * later GET must find the built one. What torch also does and ptsafe refuses: an empty tensor whose
 * state is never set (a tensor of torch's default dtype at load time, no writer's output), a
 * second BUILD (torch replaces the first view), and {@code set_}'s other argument forms (a lone
 * storage, another tensor).
 */
final class LegacyTensor implements Buildable {
    private final TensorMeanings meanings;
    private final String tensorClass;
    private final DType dtype;
    private TensorNode node;

    LegacyTensor(TensorMeanings meanings, String tensorClass, DType dtype) {
        this.meanings = meanings;
        this.tensorClass = tensorClass;
        this.dtype = dtype;
    }

    @Override
    public Object build(Object state, Call c) throws PtsafeException {
        if (node != null) {
            throw TensorMeanings.unsupported(c, "the state of " + tensorClass + "() set a second time (torch would "
                    + "replace its view; no writer does this)");
        }
        List<Object> s = switch (state) {
            case TupleObj t -> t.items();
            case ListObj l -> l.items();
            default -> throw TensorMeanings.invalid(c, "the state of " + tensorClass + "() must be (storage, "
                    + "storage_offset, size, stride), got " + Values.typeName(state));
        };
        if (s.size() != 4) {
            throw TensorMeanings.unsupported(c, "the state of " + tensorClass + "() has " + s.size() + " items; "
                    + "only (storage, storage_offset, size, stride), as torch before 0.4 wrote it, is supported");
        }
        StorageRef storage = TensorMeanings.storage(c, s.get(0), "storage");
        if (storage.elementType() != dtype) {
            throw TensorMeanings.invalid(c, tensorClass + "() is a " + dtype + " tensor and its storage '"
                    + storage.key() + "' (" + storage.storageClass() + ") holds " + storage.elementType()
                    + " (torch's set_ refuses a storage of another dtype too)");
        }
        long offset = TensorMeanings.index(c, s.get(1), "storage_offset");
        long[] size = meanings.longs(c, s.get(2), "size");
        long[] stride = meanings.longs(c, s.get(3), "stride");
        node = meanings.tensor(c, storage, dtype, offset, size, stride, false, null);
        return this;
    }

    /** The tensor BUILD set; refused when it never ran. */
    TensorNode node(Call c) throws PtsafeException {
        if (node == null) {
            throw unset(c);
        }
        return node;
    }

    /** The tensor BUILD set, or null. */
    TensorNode node() {
        return node;
    }

    private PtsafeException unset(Call c) {
        return TensorMeanings.unsupported(c, notSet());
    }

    /** Why an unset one is refused, for {@link TensorTree}. */
    String notSet() {
        return tensorClass + "() whose state was never set (no BUILD): torch makes an empty tensor of its default "
                + "dtype at load time, which no writer saves; not supported";
    }

    /**
     * BUILD on an {@code nn.Parameter}: torch calls {@code Parameter.__setstate__}, which for the
     * 3-item state old torch's {@code Variable.__reduce_ex__} wrote at protocol 2 sets
     * {@code (requires_grad, _, _backward_hooks)} (torch 1.13 {@code _tensor.py}
     * {@code __setstate__}; checked with torch 1.13, which refuses requires_grad on an integer
     * tensor). The 4-item state ({@code set_}) and the 5-item state of older Variables
     * ({@code self.data = state[0]}) replace the data and are refused; so is BUILD on any other
     * tensor (torch would {@code set_} it to another storage). requires_grad is checked and
     * recorded only, like every tensor's, so the node is kept as it is.
     */
    static Object buildParameter(TensorNode n, Object state, Call c) throws PtsafeException {
        if (!n.parameter()) {
            throw TensorMeanings.unsupported(c, "BUILD on a rebuilt tensor (torch would set_ it to the state's "
                    + "storage; no writer does this)");
        }
        if (!(state instanceof TupleObj t) || t.size() != 3) {
            throw TensorMeanings.unsupported(c, "the state of an nn.Parameter must be (requires_grad, volatile, "
                    + "backward_hooks) as old torch wrote it, got " + Values.typeName(state)
                    + (state instanceof TupleObj t ? " of " + t.size() + " items" : ""));
        }
        if (!(t.get(0) instanceof PyValue.Bool requiresGrad) || !(t.get(1) instanceof PyValue.Bool)) {
            throw TensorMeanings.invalid(c, "the state of an nn.Parameter must start with two bools (requires_grad, "
                    + "volatile), got " + Values.typeName(t.get(0)) + " and " + Values.typeName(t.get(1)));
        }
        TensorMeanings.hooks(c, t.get(2));
        RebuildChecks.requiresGrad(c, n.dtype(), requiresGrad.value());
        return n;
    }

    @Override
    public String toString() {
        return node == null ? tensorClass + "() (no state)" : node.toString();
    }
}
