package ai.spectrum.io;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorDTypeTests {

    /** binary16 by its definition, in double arithmetic: (-1)^s · 2^(e-15) · (1 + m/1024), or 2^-14 · m/1024. */
    private static double fp16ByDefinition(int bits) {
        int s = (bits >>> 15) & 1;
        int e = (bits >>> 10) & 0x1f;
        int m = bits & 0x3ff;
        double sign = s == 1 ? -1 : 1;
        if (e == 0x1f) {
            return m == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        if (e == 0) {
            return sign * Math.scalb(m / 1024.0, -14);
        }
        return sign * Math.scalb(1 + m / 1024.0, e - 15);
    }

    @Nested
    class Fp16 {
        @Test
        void everyBitPatternDecodesToItsExactValue() {
            for (int bits = 0; bits < 65536; bits++) {
                float got = TensorDType.fp16ToFloat((short) bits);
                double want = fp16ByDefinition(bits);
                if (Double.isNaN(want)) {
                    assertTrue(Float.isNaN(got), "pattern 0x" + Integer.toHexString(bits) + " should be NaN");
                } else {
                    assertEquals(want, got, 0.0, "pattern 0x" + Integer.toHexString(bits));
                    assertEquals(want < 0 || (want == 0 && (bits & 0x8000) != 0), (Float.floatToRawIntBits(got) < 0),
                            "sign of pattern 0x" + Integer.toHexString(bits));
                }
            }
        }

        @Test
        void knownValues() {
            assertEquals(1.0f, TensorDType.fp16ToFloat((short) 0x3C00));
            assertEquals(-2.0f, TensorDType.fp16ToFloat((short) 0xC000));
            assertEquals(65504.0f, TensorDType.fp16ToFloat((short) 0x7BFF));
            assertEquals(5.9604644775390625e-8f, TensorDType.fp16ToFloat((short) 0x0001));
            assertEquals(6.103515625e-5f, TensorDType.fp16ToFloat((short) 0x0400));
            assertEquals(Float.NEGATIVE_INFINITY, TensorDType.fp16ToFloat((short) 0xFC00));
        }
    }

    @Nested
    class Bf16 {
        @Test
        void knownValues() {
            assertEquals(1.0f, TensorDType.bf16ToFloat((short) 0x3F80));
            assertEquals(-2.0f, TensorDType.bf16ToFloat((short) 0xC000));
            assertEquals(3.140625f, TensorDType.bf16ToFloat((short) 0x4049));
            assertEquals(Float.POSITIVE_INFINITY, TensorDType.bf16ToFloat((short) 0x7F80));
            assertEquals(Math.scalb(1.0f, -133), TensorDType.bf16ToFloat((short) 0x0001)); // smallest subnormal
            assertTrue(Float.isNaN(TensorDType.bf16ToFloat((short) 0x7FC0)));
        }
    }
}
