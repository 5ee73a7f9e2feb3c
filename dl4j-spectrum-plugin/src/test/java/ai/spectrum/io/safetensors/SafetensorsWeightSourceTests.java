package ai.spectrum.io.safetensors;

import ai.spectrum.analysis.WeightInfo;
import ai.spectrum.io.ModelFormatException;
import ai.spectrum.io.TestModelFiles;
import ai.spectrum.io.TestModelFiles.Raw;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static ai.spectrum.io.TestModelFiles.f32;
import static ai.spectrum.io.TestModelFiles.f64;
import static ai.spectrum.io.TestModelFiles.ordered;
import static ai.spectrum.io.TestModelFiles.u16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsWeightSourceTests {
    @TempDir
    Path dir;

    private static float[] randomFloats(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static float[] values(INDArray a) {
        return a.dup('c').castTo(DataType.FLOAT).data().asFloat();
    }

    private static WeightInfo info(SafetensorsWeightSource s, String name) {
        return s.weights().stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow();
    }

    @Nested
    class RoundTrip {
        @Test
        void float32AndFloat64TensorsReadBackBitForBit() throws IOException {
            Random r = new Random(1);
            float[] w = randomFloats(r, 12);
            double[] d = new double[24];
            for (int i = 0; i < d.length; i++) {
                d[i] = r.nextGaussian() * 1e-3;
            }
            Path f = dir.resolve("m.safetensors");
            TestModelFiles.writeSafetensors(f, ordered(
                    Map.entry("model.layers.0.mlp.up_proj.weight", new Raw("F32", new long[]{3, 4}, f32(w))),
                    Map.entry("model.layers.0.conv.weight", new Raw("F64", new long[]{2, 3, 4},
                            f64(ByteOrder.LITTLE_ENDIAN, d)))));
            try (SafetensorsWeightSource s = SafetensorsWeightSource.openFile(f, false)) {
                assertEquals("m", s.modelId());
                assertEquals(List.of("model.layers.0.mlp.up_proj", "model.layers.0.conv"),
                        s.weights().stream().map(WeightInfo::name).toList());
                assertEquals("mlp.up_proj", s.weights().get(0).type());
                INDArray a = s.load(s.weights().get(0));
                assertArrayEquals(new long[]{3, 4}, a.shape());
                assertEquals(DataType.FLOAT, a.dataType());
                assertArrayEquals(w, values(a));
                INDArray b = s.load(s.weights().get(1));
                assertArrayEquals(new long[]{2, 3, 4}, b.shape());
                assertEquals(DataType.DOUBLE, b.dataType());
                assertArrayEquals(d, b.dup('c').data().asDouble());
            }
        }

        @Test
        void tensorsLargerThanOneReadChunkReadBackBitForBit() throws IOException {
            // 4 MiB chunks: 1,100,000 floats (4.4 MB) and 600,000 doubles (4.8 MB) end inside their second chunk
            Random r = new Random(3);
            float[] w = randomFloats(r, 1100 * 1000);
            double[] d = new double[600 * 1000];
            for (int i = 0; i < d.length; i++) {
                d[i] = r.nextGaussian();
            }
            Path f = dir.resolve("large.safetensors");
            TestModelFiles.writeSafetensors(f, ordered(
                    Map.entry("a.weight", new Raw("F32", new long[]{1100, 1000}, f32(w))),
                    Map.entry("b.weight", new Raw("F64", new long[]{600, 1000}, f64(ByteOrder.LITTLE_ENDIAN, d)))));
            try (SafetensorsWeightSource s = SafetensorsWeightSource.openFile(f, false)) {
                assertArrayEquals(w, s.load(info(s, "a")).data().asFloat());
                assertArrayEquals(d, s.load(info(s, "b")).data().asDouble());
            }
        }

        @Test
        void float16AndBfloat16DecodeExactly() throws IOException {
            // every finite fp16 pattern in a 64x... matrix would be large; use a spread of patterns incl. subnormals
            short[] half = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x0400, (short) 0x8001, 0x3555};
            float[] halfWant = {1f, -2f, 65504f, 0x1p-24f, 1023 * 0x1p-24f, 0x1p-14f, -0x1p-24f, 0.333251953125f};
            Random r = new Random(2);
            float[] bfWant = randomFloats(r, 6);
            short[] bf = new short[bfWant.length];
            for (int i = 0; i < bf.length; i++) {
                bfWant[i] = Float.intBitsToFloat(Float.floatToRawIntBits(bfWant[i]) & 0xffff0000); // bf16-exact
                bf[i] = (short) (Float.floatToRawIntBits(bfWant[i]) >>> 16);
            }
            Path f = dir.resolve("half.safetensors");
            TestModelFiles.writeSafetensors(f, ordered(
                    Map.entry("a.weight", new Raw("F16", new long[]{2, 4}, u16(half))),
                    Map.entry("b.weight", new Raw("BF16", new long[]{3, 2}, u16(bf)))));
            try (SafetensorsWeightSource s = SafetensorsWeightSource.openFile(f, false)) {
                assertArrayEquals(halfWant, values(s.load(info(s, "a"))));
                assertArrayEquals(bfWant, values(s.load(info(s, "b"))));
            }
        }

        @Test
        void vectorsAreListedOnlyWhenAskedAndIntegerTensorsNever() throws IOException {
            Path f = dir.resolve("v.safetensors");
            TestModelFiles.writeSafetensors(f, ordered(
                    Map.entry("model.norm.weight", new Raw("F32", new long[]{3}, f32(1, 2, 3))),
                    Map.entry("model.ids", new Raw("I64", new long[]{2, 2}, new byte[32])),
                    Map.entry("lm_head.weight", new Raw("F32", new long[]{2, 2}, f32(1, 0, 0, 1)))));
            try (SafetensorsWeightSource s = SafetensorsWeightSource.openFile(f, false)) {
                assertEquals(List.of("lm_head"), s.weights().stream().map(WeightInfo::name).toList());
            }
            try (SafetensorsWeightSource s = SafetensorsWeightSource.openFile(f, true)) {
                assertEquals(List.of("model.norm", "lm_head"), s.weights().stream().map(WeightInfo::name).toList());
                assertArrayEquals(new float[]{1, 2, 3}, values(s.load(info(s, "model.norm"))));
            }
        }

        @Test
        void shardedModelIsReadThroughItsIndexAndNamedAfterItsDirectory() throws IOException {
            Path model = Files.createDirectories(dir.resolve("Tiny-Model"));
            TestModelFiles.writeSafetensors(model.resolve("model-00001-of-00002.safetensors"), ordered(
                    Map.entry("model.layers.0.self_attn.q_proj.weight", new Raw("F32", new long[]{2, 2},
                            f32(1, 2, 3, 4)))));
            TestModelFiles.writeSafetensors(model.resolve("model-00002-of-00002.safetensors"), ordered(
                    Map.entry("model.layers.1.self_attn.q_proj.weight", new Raw("F32", new long[]{2, 2},
                            f32(5, 6, 7, 8))),
                    Map.entry("lm_head.weight", new Raw("F32", new long[]{1, 2}, f32(9, 10)))));
            Path index = model.resolve("model.safetensors.index.json");
            Files.writeString(index, "{\"metadata\": {\"total_size\": 40}, \"weight_map\": {"
                    + "\"lm_head.weight\": \"model-00002-of-00002.safetensors\","
                    + "\"model.layers.0.self_attn.q_proj.weight\": \"model-00001-of-00002.safetensors\","
                    + "\"model.layers.1.self_attn.q_proj.weight\": \"model-00002-of-00002.safetensors\"}}");
            try (SafetensorsWeightSource s = SafetensorsWeightSource.openIndex(index, false)) {
                assertEquals("Tiny-Model", s.modelId());
                assertEquals(List.of("lm_head", "model.layers.0.self_attn.q_proj", "model.layers.1.self_attn.q_proj"),
                        s.weights().stream().map(WeightInfo::name).toList());
                assertArrayEquals(new float[]{9, 10}, values(s.load(info(s, "lm_head"))));
                assertArrayEquals(new float[]{5, 6, 7, 8},
                        values(s.load(info(s, "model.layers.1.self_attn.q_proj"))));
            }
        }
    }

    @Nested
    class BadInput {
        private Path valid() throws IOException {
            Path f = dir.resolve("ok.safetensors");
            TestModelFiles.writeSafetensors(f, ordered(
                    Map.entry("w.weight", new Raw("F32", new long[]{4, 4}, f32(new float[16])))));
            return f;
        }

        private String failure(Path f) {
            return assertThrows(ModelFormatException.class, () -> SafetensorsWeightSource.openFile(f, false))
                    .getMessage();
        }

        @Test
        void aFileShorterThanTheLengthFieldIsRejected() throws IOException {
            Path f = Files.write(dir.resolve("tiny.safetensors"), new byte[]{1, 2, 3});
            assertTrue(failure(f).contains("too short"), failure(f));
        }

        @Test
        void anAbsurdHeaderLengthIsRejectedWithoutAllocatingIt() throws IOException {
            byte[] b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).array();
            Path f = Files.write(dir.resolve("huge.safetensors"), b);
            assertTrue(failure(f).contains("header length"), failure(f));
        }

        @Test
        void aTruncatedFileIsRejected() throws IOException {
            Path f = valid();
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(raf.length() - 10);
            }
            assertTrue(failure(f).contains("outside the data section"), failure(f));
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.setLength(40);
            }
            assertTrue(failure(f).contains("does not fit the file size"), failure(f));
        }

        @Test
        void aHeaderThatIsNotJsonIsRejected() throws IOException {
            Path f = valid();
            byte[] b = Files.readAllBytes(f);
            b[8] = '[';
            b[9] = '!';
            Files.write(f, b);
            assertTrue(failure(f).contains("invalid JSON"), failure(f));
        }

        @Test
        void aShapeThatDisagreesWithTheDataLengthIsRejected() throws IOException {
            Path f = dir.resolve("bad.safetensors");
            TestModelFiles.writeSafetensors(f, ordered(
                    Map.entry("w.weight", new Raw("F32", new long[]{4, 5}, f32(new float[16])))));
            assertTrue(failure(f).contains("needs 80"), failure(f));
        }

        @Test
        void anIndexNamingAMissingShardIsRejected() throws IOException {
            Path index = dir.resolve("model.safetensors.index.json");
            Files.writeString(index, "{\"weight_map\": {\"a.weight\": \"nope.safetensors\"}}");
            String m = assertThrows(ModelFormatException.class, () -> SafetensorsWeightSource.openIndex(index, false))
                    .getMessage();
            assertTrue(m.contains("nope.safetensors") && m.contains("does not exist"), m);
            Files.writeString(index, "{\"weight_map\": ", StandardCharsets.UTF_8);
            m = assertThrows(ModelFormatException.class, () -> SafetensorsWeightSource.openIndex(index, false))
                    .getMessage();
            assertTrue(m.contains("invalid JSON"), m);
        }
    }
}
