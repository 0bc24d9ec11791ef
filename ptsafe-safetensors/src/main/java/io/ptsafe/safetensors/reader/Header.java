package io.ptsafe.safetensors.reader;

import java.util.List;
import java.util.Map;

/**
 * A parsed safetensors header.
 *
 * @param tensors  in header order
 * @param metadata {@code __metadata__}, in header order; empty when absent
 */
record Header(List<TensorInfo> tensors, Map<String, String> metadata) {
}
