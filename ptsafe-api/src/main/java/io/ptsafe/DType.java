package io.ptsafe;

import java.util.Optional;

/**
 * Element types, named as safetensors names them, with the extra types torch checkpoints carry.
 *
 * <p>{@link #bits()} is the storage size of one element. Sub-byte types ({@link #F4}, {@link #F6_E2M3},
 * {@link #F6_E3M2}) are packed; their tensors must hold a whole number of bytes. Complex types are
 * stored as (real, imaginary) pairs of the named component width.
 */
public enum DType {
    /** Boolean, one byte per element. */
    BOOL(8, Kind.BOOL),
    /** Unsigned 8-bit integer. */
    U8(8, Kind.UNSIGNED),
    /** Signed 8-bit integer. */
    I8(8, Kind.SIGNED),
    /** 8-bit float, 5 exponent bits, 2 mantissa bits, with infinities (OCP FP8 E5M2). */
    F8_E5M2(8, Kind.FLOAT),
    /** 8-bit float, 4 exponent bits, 3 mantissa bits, no infinities (OCP FP8 E4M3FN). */
    F8_E4M3(8, Kind.FLOAT),
    /** 8-bit exponent-only scale (OCP MX E8M0): 2^(e-127), 0xFF is NaN. */
    F8_E8M0(8, Kind.FLOAT),
    /** E4M3 with bias 8, no negative zero, 0x80 is NaN. */
    F8_E4M3FNUZ(8, Kind.FLOAT),
    /** E5M2 with bias 16, no negative zero, 0x80 is NaN. */
    F8_E5M2FNUZ(8, Kind.FLOAT),
    /** Signed 16-bit integer. */
    I16(16, Kind.SIGNED),
    /** Unsigned 16-bit integer. */
    U16(16, Kind.UNSIGNED),
    /** IEEE 754 half precision float. */
    F16(16, Kind.FLOAT),
    /** bfloat16: 8 exponent bits, 7 mantissa bits. */
    BF16(16, Kind.FLOAT),
    /** Signed 32-bit integer. */
    I32(32, Kind.SIGNED),
    /** Unsigned 32-bit integer. */
    U32(32, Kind.UNSIGNED),
    /** IEEE 754 single precision float. */
    F32(32, Kind.FLOAT),
    /** complex64: two F32. */
    C64(64, Kind.COMPLEX),
    /** IEEE 754 double precision float. */
    F64(64, Kind.FLOAT),
    /** Signed 64-bit integer. */
    I64(64, Kind.SIGNED),
    /** Unsigned 64-bit integer. */
    U64(64, Kind.UNSIGNED),
    /** 4-bit float (E2M1), packed two to a byte. */
    F4(4, Kind.FLOAT),
    /** 6-bit float (E2M3), packed. */
    F6_E2M3(6, Kind.FLOAT),
    /** 6-bit float (E3M2), packed. */
    F6_E3M2(6, Kind.FLOAT),
    /** complex32 (torch {@code chalf}): two F16. Not a safetensors dtype. */
    C32(32, Kind.COMPLEX),
    /** complex128: two F64. safetensors has no name for it; ptsafe uses {@code C128}. */
    C128(128, Kind.COMPLEX),
    /** torch {@code qint8}: quantized signed 8-bit integers. */
    QINT8(8, Kind.QUANTIZED),
    /** torch {@code quint8}: quantized unsigned 8-bit integers. */
    QUINT8(8, Kind.QUANTIZED),
    /** torch {@code qint32}: quantized signed 32-bit integers. */
    QINT32(32, Kind.QUANTIZED),
    /** torch {@code quint4x2}: two unsigned 4-bit values to a byte (one element = one byte). */
    QUINT4X2(8, Kind.QUANTIZED),
    /** torch {@code quint2x4}: four unsigned 2-bit values to a byte (one element = one byte). */
    QUINT2X4(8, Kind.QUANTIZED);

    /** What the bits of an element mean, broadly. */
    public enum Kind {
        /** Booleans. */
        BOOL,
        /** Signed integers. */
        SIGNED,
        /** Unsigned integers. */
        UNSIGNED,
        /** Real floating point numbers. */
        FLOAT,
        /** Complex numbers: (real, imaginary) pairs of floats. */
        COMPLEX,
        /** torch quantized integers. */
        QUANTIZED
    }

    private final int bits;
    private final Kind kind;

    DType(int bits, Kind kind) {
        this.bits = bits;
        this.kind = kind;
    }

    /** {@return the storage bits of one element} */
    public int bits() {
        return bits;
    }

    /** {@return the bytes of one element, or 0 for packed sub-byte types} */
    public int byteSize() {
        return bits % 8 == 0 ? bits / 8 : 0;
    }

    /** {@return whether an element takes less than a byte (F4, F6_*)} */
    public boolean isSubByte() {
        return bits < 8;
    }

    /** {@return what the bits of an element mean} */
    public Kind kind() {
        return kind;
    }

    /** {@return whether this is a floating point (real) type: what {@link Tensor#toFloatArray()} widens} */
    public boolean isFloatingPoint() {
        return kind == Kind.FLOAT;
    }

    /**
     * Width in bytes of the unit that byte order applies to: the element, or one component of a
     * complex element. 1 for byte-sized and sub-byte types.
     *
     * @return the width in bytes
     */
    public int byteOrderUnit() {
        if (bits <= 8) {
            return 1;
        }
        return kind == Kind.COMPLEX ? bits / 16 : bits / 8;
    }

    /** {@return the name safetensors uses in its header, or empty for types safetensors cannot store} */
    public Optional<String> safetensorsName() {
        return switch (this) {
            case C32, C128, QINT8, QUINT8, QINT32, QUINT4X2, QUINT2X4 -> Optional.empty();
            default -> Optional.of(name());
        };
    }

    /**
     * The dtype a safetensors header names. Case-sensitive.
     *
     * @param name a dtype name as in a safetensors header
     * @return the dtype, or empty when the name is not one
     */
    public static Optional<DType> fromSafetensorsName(String name) {
        for (DType t : values()) {
            if (t.safetensorsName().filter(name::equals).isPresent()) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
