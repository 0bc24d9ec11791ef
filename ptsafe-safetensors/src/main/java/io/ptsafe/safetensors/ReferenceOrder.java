package io.ptsafe.safetensors;

import io.ptsafe.DType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The order the reference writer lays tensors out in: dtype rank descending, then name ascending.
 *
 * <p>The rank is the declaration order of the reference's {@code Dtype} enum (safetensors 0.8,
 * {@code safetensors/src/tensor.rs}), which is not quite ptsafe's {@link DType} order, so it is
 * spelled out here. Names compare as Rust strings do: byte by byte in UTF-8 (Java's
 * {@link String#compareTo} compares UTF-16 units and disagrees on characters above U+FFFF).
 */
final class ReferenceOrder {
    private static final List<DType> RANK = List.of(
            DType.BOOL, DType.F4, DType.F6_E2M3, DType.F6_E3M2, DType.U8, DType.I8, DType.F8_E5M2, DType.F8_E4M3,
            DType.F8_E8M0, DType.F8_E4M3FNUZ, DType.F8_E5M2FNUZ, DType.I16, DType.U16, DType.F16, DType.BF16,
            DType.I32, DType.U32, DType.F32, DType.C64, DType.F64, DType.I64, DType.U64);

    private ReferenceOrder() {
    }

    /** The reference's rank of a dtype it can store, or -1. */
    static int rank(DType dtype) {
        return RANK.indexOf(dtype);
    }

    /** Orders UTF-8 byte arrays as unsigned bytes, as Rust orders {@code String}s. */
    static int compareUtf8(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Layout order of {@link Layout.Entry entries}. */
    static final Comparator<Layout.Entry> LAYOUT = Comparator
            .comparingInt((Layout.Entry e) -> -rank(e.tensor().dtype()))
            .thenComparing(Layout.Entry::nameUtf8, ReferenceOrder::compareUtf8);
}
