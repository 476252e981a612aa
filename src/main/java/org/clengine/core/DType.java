package org.clengine.core;

/**
 * A tensor's storage type. Host data always goes in and out as {@code float[]}: F16 and BF16 values are rounded to
 * nearest even on the way in ({@link HalfFloats}) and widened exactly on the way out. Ops name the dtypes they take
 * and refuse the others ({@link TensorChecks}).
 */
public enum DType {
    /** IEEE binary32: the engine's default and the dtype of every statistic, weight and accumulator. */
    F32(4),
    /** IEEE binary16: 1 sign, 5 exponent, 10 fraction bits; largest finite 65504, overflow rounds to infinity. */
    F16(2),
    /** bfloat16: the upper 16 bits of a binary32 (8 exponent, 7 fraction bits): float's range, 2^-8 precision. */
    BF16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element in storage. */
    public int bytes() {
        return bytes;
    }

    /** Whether this is one of the 16-bit dtypes. */
    public boolean isHalf() {
        return this != F32;
    }

    /** {@code value} rounded to this dtype, to nearest even (identity for F32). */
    public float round(float value) {
        return switch (this) {
            case F32 -> value;
            case F16 -> HalfFloats.fromF16(HalfFloats.toF16(value));
            case BF16 -> HalfFloats.fromBf16(HalfFloats.toBf16(value));
        };
    }

    /** The 16-bit pattern of {@code value} rounded to this dtype; F32 has none. */
    public short toBits(float value) {
        return switch (this) {
            case F32 -> throw new IllegalArgumentException("F32 has no 16-bit form");
            case F16 -> HalfFloats.toF16(value);
            case BF16 -> HalfFloats.toBf16(value);
        };
    }

    /** The value of a 16-bit pattern of this dtype, widened exactly; F32 has none. */
    public float fromBits(short bits) {
        return switch (this) {
            case F32 -> throw new IllegalArgumentException("F32 has no 16-bit form");
            case F16 -> HalfFloats.fromF16(bits);
            case BF16 -> HalfFloats.fromBf16(bits);
        };
    }
}
