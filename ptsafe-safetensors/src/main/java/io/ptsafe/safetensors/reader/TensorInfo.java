package io.ptsafe.safetensors.reader;

import io.ptsafe.DType;

/**
 * One tensor entry of a safetensors header, as read and before validation.
 *
 * @param name         the key
 * @param dtype        the dtype
 * @param shape        the dimensions, each at most Long.MAX_VALUE
 * @param begin        data_offsets[0], relative to the start of the byte buffer
 * @param end          data_offsets[1]
 * @param headerOffset where the name is in the header, as jackson counts (see {@link JsonSource#tensor})
 */
record TensorInfo(String name, DType dtype, long[] shape, long begin, long end, long headerOffset) {
}
