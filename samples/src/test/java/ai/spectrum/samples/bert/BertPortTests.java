package ai.spectrum.samples.bert;

import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.WeightInfo;
import ai.spectrum.dl4j.Dl4jNetwork;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("all-MiniLM-L6-v2 ported to a DL4J ComputationGraph")
class BertPortTests {
    /** Sentences written for this test (not from any training corpus), of different lengths. */
    private static final List<String> SENTENCES = List.of(
            "The lighthouse keeper's cat refused to climb the spiral stairs after the thunderstorm.",
            "Quarterly invoices were mislabelled as tulip bulbs by an over-eager spreadsheet macro.",
            "Spectrum freezes the noisiest weight matrices and trains only the ones with signal.",
            "Zwölf Boxkämpfer jagen Viktor quer über den großen Sylter Deich.",
            "ok",
            "A remarkably long sentence about nothing in particular keeps going, clause after clause, "
                    + "so that padding and truncation rules get exercised by at least one input in this batch.");

    SentenceEncoder encoder;
    AllMiniLmL6V2EmbeddingModel reference;

    @BeforeAll
    void load() throws IOException {
        encoder = SentenceEncoder.allMiniLmL6V2(64);
        reference = new AllMiniLmL6V2EmbeddingModel();
    }

    @AfterAll
    void close() {
        encoder.close();
    }

    @Test
    @DisplayName("embeds unseen sentences like the ONNX Runtime original (cosine ≥ 0.9999)")
    void matchesOnnxRuntime() {
        INDArray ours = encoder.embed(SENTENCES);
        List<Embedding> theirs = reference.embedAll(SENTENCES.stream().map(TextSegment::from).toList()).content();
        for (int i = 0; i < SENTENCES.size(); i++) {
            float[] a = ours.getRow(i).toFloatVector();
            float[] b = theirs.get(i).vector();
            assertEquals(b.length, a.length);
            double cos = cosine(a, b);
            assertTrue(cos >= 0.9999, "cosine " + cos + " for: " + SENTENCES.get(i));
            assertEquals(1.0, norm(a), 1e-5);
        }
    }

    @Test
    @DisplayName("gives the same embedding whatever the batch and padding")
    void isIndependentOfBatching() {
        INDArray batch = encoder.embed(SENTENCES);
        INDArray alone = encoder.embed(List.of(SENTENCES.get(4)));
        assertArrayEquals(alone.getRow(0).toFloatVector(), batch.getRow(4).toFloatVector(), 1e-5f);
    }

    @Test
    @DisplayName("exposes each projection as its own vertex, typed like the original tool")
    void namesVerticesByModulePath() {
        NetworkWeights weights = Dl4jNetwork.of(encoder.graph()).weights();
        Map<String, Long> perType = weights.weights().stream()
                .collect(Collectors.groupingBy(WeightInfo::type, Collectors.counting()));
        for (String type : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                "attention.output.dense", "intermediate.dense", "output.dense")) {
            assertEquals(6L, perType.get(type), type + " in " + perType);
        }
        assertArrayEquals(new long[]{384, 1536},
                weights.entry("encoder.layer.2.intermediate.dense").orElseThrow().array().shape());
        assertEquals(22_565_376L, encoder.graph().numParams()); // every float initializer of the ONNX file, once
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
        }
        return dot / (norm(a) * norm(b));
    }

    private static double norm(float[] a) {
        double s = 0;
        for (float v : a) {
            s += (double) v * v;
        }
        return Math.sqrt(s);
    }
}
