package io.ptsafe.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;

/** The fixtures of make_djl_fixtures.py, and DJL's forward pass compared with torch's output. */
final class Fixtures {
    /** Largest relative difference accepted between DJL's outputs and torch's. */
    static final double RELATIVE_TOLERANCE = 1e-5;

    private Fixtures() {
    }

    static Path file(String name) {
        return Path.of("src/test/resources/djl", name);
    }

    /** torch's real quantized checkpoints, written by ptsafe-pickle's make_torch_fixtures.py. */
    static Path torchReal(String name) {
        return Path.of("../ptsafe-pickle/src/test/resources/torch/real", name);
    }

    static NDManager manager() {
        return NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    /** torch's input and output for a model: NAME.io.safetensors. */
    static NDList io(NDManager manager, String model) throws IOException {
        return PtsafeNDList.load(manager, file(model + ".io.safetensors"));
    }

    /** Runs the block (inference mode) on torch's input and checks every output against torch's. */
    static double assertMatchesTorch(Block block, NDManager manager, String model) throws IOException {
        NDList io = io(manager, model);
        NDArray input = io.get("input");
        NDArray expected = io.get("output");
        NDArray actual = block.forward(new ParameterStore(manager, false), new NDList(input), false).singletonOrThrow();
        assertArrayEquals(expected.getShape().getShape(), actual.getShape().getShape(), model + ": output shape");
        float[] want = expected.toFloatArray();
        float[] got = actual.toFloatArray();
        double max = 0;
        for (int i = 0; i < want.length; i++) {
            double err = want[i] == got[i] ? 0 : Math.abs(got[i] - want[i]) / Math.abs(want[i]);
            max = Math.max(max, err);
            assertTrue(err <= RELATIVE_TOLERANCE, model + " output " + i + ": DJL " + got[i] + ", torch " + want[i]
                    + " (relative difference " + err + ")");
        }
        return max;
    }
}
