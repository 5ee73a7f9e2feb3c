package ai.spectrum.io;

import java.nio.ByteBuffer;

/**
 * The floating-point element types the readers decode. Half-precision types are widened to float32 exactly (every
 * fp16 and bf16 value, including subnormals, infinities and NaN, is representable in float32).
 */
public enum TensorDType {
    /** IEEE 754 binary64. */
    F64(8),
    /** IEEE 754 binary32. */
    F32(4),
    /** IEEE 754 binary16. */
    F16(2),
    /** bfloat16: the upper 16 bits of a binary32. */
    BF16(2);

    private final int bytes;

    TensorDType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether this is a 16-bit type, widened to float32 when decoded. */
    boolean isHalf() {
        return this == F16 || this == BF16;
    }

    /** Whether values are decoded into a {@code double[]} (only {@link #F64}); otherwise a {@code float[]}. */
    public boolean isDouble() {
        return this == F64;
    }

    /**
     * Decodes {@code n} elements from {@code in} (whose byte order must already be set) into {@code out} starting at
     * {@code offset}; {@code out} is a {@code double[]} for {@link #F64} and a {@code float[]} otherwise.
     */
    void decode(ByteBuffer in, Object out, int offset, int n) {
        switch (this) {
            case F64 -> in.asDoubleBuffer().get((double[]) out, offset, n);
            case F32 -> in.asFloatBuffer().get((float[]) out, offset, n);
            case F16 -> {
                float[] f = (float[]) out;
                for (int i = 0; i < n; i++) {
                    f[offset + i] = fp16ToFloat(in.getShort(in.position() + 2 * i));
                }
            }
            case BF16 -> {
                float[] f = (float[]) out;
                for (int i = 0; i < n; i++) {
                    f[offset + i] = bf16ToFloat(in.getShort(in.position() + 2 * i));
                }
            }
            default -> throw new AssertionError(this);
        }
        in.position(in.position() + n * bytes);
    }

    /** The exact float32 value of a bfloat16 bit pattern. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** The exact float32 value of an IEEE binary16 bit pattern, subnormals, infinities and NaN payloads included. */
    public static float fp16ToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            // zero or subnormal: mant * 2^-24, exact in float32
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }
}
