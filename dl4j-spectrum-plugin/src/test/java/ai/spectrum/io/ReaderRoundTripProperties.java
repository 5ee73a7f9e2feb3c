package ai.spectrum.io;

import ai.spectrum.analysis.WeightSource;
import ai.spectrum.io.TestModelFiles.Raw;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.nd4j.linalg.api.buffer.DataType;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static ai.spectrum.io.TestModelFiles.f32;
import static ai.spectrum.io.TestModelFiles.f64;
import static ai.spectrum.io.TestModelFiles.npy;
import static ai.spectrum.io.TestModelFiles.ordered;
import static ai.spectrum.io.TestModelFiles.u16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Any finite tensor written by the format's own rules reads back bit for bit, through {@link ModelFiles}. */
class ReaderRoundTripProperties {

    /** Random bit patterns of finite floats, spanning every exponent including subnormals. */
    private static float[] finiteFloats(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            float x;
            do {
                x = Float.intBitsToFloat(r.nextInt());
            } while (!Float.isFinite(x));
            v[i] = x;
        }
        return v;
    }

    private static int[] rawBits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }

    private static float[] read(Path file) throws IOException {
        try (WeightSource s = ModelFiles.open(file, true)) {
            assertEquals(1, s.weights().size());
            return s.load(s.weights().get(0)).castTo(DataType.FLOAT).dup('c').data().asFloat();
        }
    }

    @Property(tries = 30)
    void float32SafetensorsAndNpzReadBackBitForBit(@ForAll long seed, @ForAll @IntRange(min = 1, max = 9) int rows,
                                                   @ForAll @IntRange(min = 1, max = 9) int cols) throws IOException {
        Path dir = Files.createTempDirectory("roundtrip");
        float[] v = finiteFloats(new Random(seed), rows * cols);
        Path st = dir.resolve("m.safetensors");
        TestModelFiles.writeSafetensors(st, ordered(Map.entry("w.weight", new Raw("F32", new long[]{rows, cols},
                f32(v)))));
        assertArrayEquals(rawBits(v), rawBits(read(st)));
        Path npz = dir.resolve("m.npz");
        TestModelFiles.writeNpz(npz, ordered(Map.entry("w", npy("<f4", false, new long[]{rows, cols}, f32(v)))),
                seed % 2 == 0);
        assertArrayEquals(rawBits(v), rawBits(read(npz)));
    }

    @Property(tries = 30)
    void bfloat16ValuesReadBackExactly(@ForAll long seed, @ForAll @IntRange(min = 1, max = 9) int rows,
                                       @ForAll @IntRange(min = 1, max = 9) int cols) throws IOException {
        float[] v = finiteFloats(new Random(seed), rows * cols);
        short[] bits = new short[v.length];
        for (int i = 0; i < v.length; i++) {
            bits[i] = (short) (Float.floatToRawIntBits(v[i]) >>> 16);
            v[i] = Float.intBitsToFloat(Float.floatToRawIntBits(v[i]) & 0xffff0000);
        }
        Path f = Files.createTempDirectory("roundtrip").resolve("b.safetensors");
        TestModelFiles.writeSafetensors(f, ordered(Map.entry("w", new Raw("BF16", new long[]{rows, cols},
                u16(bits)))));
        assertArrayEquals(rawBits(v), rawBits(read(f)));
    }

    @Property(tries = 30)
    void float64FortranOrderNpzReadsBackTransposedCorrectly(@ForAll long seed,
                                                            @ForAll @IntRange(min = 1, max = 9) int rows,
                                                            @ForAll @IntRange(min = 1, max = 9) int cols)
            throws IOException {
        Random r = new Random(seed);
        double[] columnMajor = new double[rows * cols];
        for (int i = 0; i < columnMajor.length; i++) {
            columnMajor[i] = r.nextGaussian();
        }
        Path f = Files.createTempDirectory("roundtrip").resolve("f.npz");
        TestModelFiles.writeNpz(f, ordered(Map.entry("w", npy("<f8", true, new long[]{rows, cols},
                f64(ByteOrder.LITTLE_ENDIAN, columnMajor)))), false);
        try (WeightSource s = ModelFiles.open(f, true)) {
            var a = s.load(s.weights().get(0));
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    assertEquals(columnMajor[j * rows + i], a.getDouble(i, j), 0.0, "element " + i + "," + j);
                }
            }
        }
    }
}
