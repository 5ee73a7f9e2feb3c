package ai.spectrum.io.npz;

import ai.spectrum.analysis.WeightInfo;
import ai.spectrum.io.ModelFormatException;
import ai.spectrum.io.TestModelFiles;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static ai.spectrum.io.TestModelFiles.f32;
import static ai.spectrum.io.TestModelFiles.f64;
import static ai.spectrum.io.TestModelFiles.npy;
import static ai.spectrum.io.TestModelFiles.ordered;
import static ai.spectrum.io.TestModelFiles.u16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpzWeightSourceTests {
    @TempDir
    Path dir;

    private static WeightInfo info(NpzWeightSource s, String name) {
        return s.weights().stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow();
    }

    @Nested
    class RoundTrip {
        @ParameterizedTest(name = "deflated={0}")
        @ValueSource(booleans = {false, true})
        void everyFloatLayoutReadsBackExactly(boolean deflate) throws IOException {
            Path f = dir.resolve("arrays.npz");
            double[] fortranData = {1, 2, 3, 4, 5, 6}; // column-major 2x3: [[1,3,5],[2,4,6]]
            TestModelFiles.writeNpz(f, ordered(
                    Map.entry("model.layers.0.q_proj", npy("<f4", false, new long[]{2, 3}, f32(1, 2, 3, 4, 5, 6))),
                    Map.entry("fortran", npy("<f8", true, new long[]{2, 3}, f64(ByteOrder.LITTLE_ENDIAN, fortranData))),
                    Map.entry("big", npy(">f8", false, new long[]{1, 2}, f64(ByteOrder.BIG_ENDIAN, 0.1, -7.5))),
                    Map.entry("half", npy("<f2", false, new long[]{2, 1}, u16((short) 0x3C00, (short) 0x0001))),
                    Map.entry("norm", npy("<f4", false, new long[]{3}, f32(7, 8, 9))),
                    Map.entry("kernel", npy("<f4", false, new long[]{2, 1, 2, 1}, f32(1, 2, 3, 4))),
                    Map.entry("ids", npy("<i8", false, new long[]{2, 2}, new byte[32]))), deflate);
            try (NpzWeightSource s = NpzWeightSource.open(f)) {
                assertEquals("arrays", s.modelId());
                assertEquals(List.of("model.layers.0.q_proj", "fortran", "big", "half", "norm", "kernel"),
                        s.weights().stream().map(WeightInfo::name).toList());
                assertEquals("q_proj", info(s, "model.layers.0.q_proj").type());
                assertArrayEquals(new float[]{1, 2, 3, 4, 5, 6},
                        s.load(info(s, "model.layers.0.q_proj")).data().asFloat());
                INDArray fo = s.load(info(s, "fortran"));
                assertArrayEquals(new long[]{2, 3}, fo.shape());
                assertArrayEquals(new double[]{1, 3, 5, 2, 4, 6}, fo.dup('c').data().asDouble());
                assertArrayEquals(new double[]{0.1, -7.5}, s.load(info(s, "big")).data().asDouble());
                assertArrayEquals(new float[]{1f, 0x1p-24f}, s.load(info(s, "half")).data().asFloat());
                assertArrayEquals(new long[]{3}, info(s, "norm").shape());
                assertArrayEquals(new long[]{2, 1, 2, 1}, s.load(info(s, "kernel")).shape());
            }
        }
    }

    @Nested
    class BadInput {
        @Test
        void aTruncatedArchiveIsRejected() throws IOException {
            Path f = dir.resolve("t.npz");
            TestModelFiles.writeNpz(f, ordered(Map.entry("w", npy("<f4", false, new long[]{8, 8}, f32(new float[64])))),
                    false);
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(raf.length() / 2);
            }
            String m = assertThrows(ModelFormatException.class, () -> NpzWeightSource.open(f)).getMessage();
            assertTrue(m.contains("not a valid .npz"), m);
        }

        @Test
        void anArrayWithLessDataThanItsShapeIsRejected() throws IOException {
            Path f = dir.resolve("short.npz");
            TestModelFiles.writeNpz(f, ordered(Map.entry("w", npy("<f4", false, new long[]{8, 8}, f32(1, 2, 3)))),
                    false);
            String m = assertThrows(ModelFormatException.class, () -> NpzWeightSource.open(f)).getMessage();
            assertTrue(m.contains("'w'") && m.contains("needs"), m);
        }

        @Test
        void anEntryWithoutTheNpyMagicIsRejected() throws IOException {
            Path f = dir.resolve("magic.npz");
            TestModelFiles.writeNpz(f, ordered(Map.entry("w", new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})), true);
            String m = assertThrows(ModelFormatException.class, () -> NpzWeightSource.open(f)).getMessage();
            assertTrue(m.contains("bad magic"), m);
        }

        @Test
        void anArchiveWithoutFloatArraysIsRejected() throws IOException {
            Path f = dir.resolve("ints.npz");
            TestModelFiles.writeNpz(f, ordered(Map.entry("ids", npy("<i4", false, new long[]{2}, new byte[8]))), true);
            String m = assertThrows(ModelFormatException.class, () -> NpzWeightSource.open(f)).getMessage();
            assertTrue(m.contains("no floating-point arrays"), m);
        }

        @Test
        void randomBytesAreNotAnArchive() throws IOException {
            Path f = Files.write(dir.resolve("noise.npz"), new byte[]{0x50, 0x4b, 3, 4, 9, 9, 9});
            assertThrows(ModelFormatException.class, () -> NpzWeightSource.open(f));
        }
    }
}
