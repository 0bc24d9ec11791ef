package io.ptsafe.pickle.torch;

import io.ptsafe.DType;
import io.ptsafe.pickle.machine.Meaning;

/** The meaning of a torch dtype global ({@code torch.float32}): data only; {@code dtype} is null for dtypes ptsafe cannot load. */
record TorchDType(String global, DType dtype) implements Meaning {
}
