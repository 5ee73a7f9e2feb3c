package ai.spectrum.samples.bert;

import ai.spectrum.samples.transformer.BertGraph;
import ai.spectrum.samples.transformer.BertMlm;
import ai.spectrum.selection.SelectionStrategy;
import ai.spectrum.training.SpectrumListener;
import ai.spectrum.training.freeze.SelectiveFreezeLayerImpl;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spectrum's frozen SameDiff layers on the BERT port (tiny configuration). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("frozen SameDiff layers of the BERT port")
class FrozenSameDiffBertTests {
    private static final String OLD_PATH = "ai.spectrum.freeze.sameDiffEpsilonPath";
    private BertTokenizer tokenizer;
    private List<MultiDataSet> batches;

    @BeforeAll
    void data() throws IOException {
        tokenizer = BertTokenizer.allMiniLmL6V2();
        MaskedLmTests t = new MaskedLmTests();
        t.tokenizer = tokenizer;
        t.batches = new MaskedLmBatches(tokenizer, MaskedLmTests.LENGTH, MaskedLmTests.TINY.vocabSize(), 0.15,
                MaskedLmTests.LENGTH);
        batches = List.of(t.batches.batch(t.sequences(8, new Random(1)), new Random(2)),
                t.batches.batch(t.sequences(8, new Random(3)), new Random(4)));
    }

    @AfterAll
    void close() {
        tokenizer.close();
    }

    @AfterEach
    void clearProperty() {
        System.clearProperty(OLD_PATH);
    }

    /** Spectrum-25 with the word embeddings and head always trained, so every encoder layer stays on backprop. */
    private static SpectrumListener spectrum() {
        return SpectrumListener.builder().optTopPercent(50)
                .optAlwaysTrain("^" + java.util.regex.Pattern.quote(BertGraph.WORD_EMBEDDINGS) + "$", "^cls\\..*")
                .build();
    }

    private static ComputationGraph graph() {
        return BertMlm.create(MaskedLmTests.TINY, new Adam(1e-2));
    }

    private Map<String, INDArray> trainSelected(int steps) {
        ComputationGraph g = graph();
        spectrum().selectNow(g);
        for (int i = 0; i < steps; i++) {
            g.fit(batches.get(i % batches.size()));
        }
        Map<String, INDArray> out = new HashMap<>();
        g.paramTable().forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    @Test
    @DisplayName("skip their weight gradients yet train bit-identically to DL4J's full SameDiff backprop")
    void sameAsFullBackprop() {
        ComputationGraph g = graph();
        spectrum().selectNow(g);
        int epsilonOnly = 0;
        for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
            if (l instanceof SelectiveFreezeLayerImpl s && s.skipsWeightGradient()) {
                epsilonOnly++;
            }
        }
        assertTrue(epsilonOnly >= 4, "frozen SequenceDense/LayerNorm layers skip weight gradients: " + epsilonOnly);
        Map<String, INDArray> fast = trainSelected(2);
        System.setProperty(OLD_PATH, "false");
        Map<String, INDArray> slow = trainSelected(2);
        Map<String, INDArray> initial = graph().paramTable();
        int moved = 0;
        for (String k : slow.keySet()) {
            assertEquals(slow.get(k), fast.get(k), k);
            if (!initial.get(k).equals(fast.get(k))) {
                moved++;
            }
        }
        assertTrue(moved > 0 && moved < slow.size(), moved + " of " + slow.size() + " parameters moved");
    }

    @Test
    @DisplayName("survive save and restore, and a re-selection that swaps layers")
    void saveRestoreReselect() throws IOException {
        ComputationGraph g = graph();
        SpectrumListener s = spectrum();
        g.addListeners(s);
        s.selectNow(g);
        g.fit(batches.get(0));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ModelSerializer.writeModel(g, bytes, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(
                bytes.toByteArray()), true);
        restored.setListeners(BertMlm.tie()); // as BertMlm.create does: the decoder follows the embeddings
        SpectrumListener resumed = spectrum();
        resumed.selectNow(restored); // same weights: same selection, Spectrum's layout re-applied
        assertEquals(s.selected(), resumed.selected());
        g.fit(batches.get(1));
        restored.fit(batches.get(1));
        assertEquals(g.params(), restored.params(), "restored network trains like the original");

        Set<String> before = Set.copyOf(resumed.selected());
        SpectrumListener random = SpectrumListener.builder().optStrategy(SelectionStrategy.random()).optSeed(5)
                .optTopPercent(50).optAlwaysTrain("^cls\\..*").build();
        random.selectNow(restored);
        assertNotEquals(before, random.selected(), "the random selection swaps layers");
        Map<String, INDArray> params0 = new HashMap<>();
        restored.paramTable().forEach((k, v) -> params0.put(k, v.dup()));
        restored.fit(batches.get(0));
        for (String module : List.of("encoder.layer.0.attention.self.query", "encoder.layer.1.output.dense")) {
            boolean trained = random.selected().contains(module);
            INDArray now = restored.getParam(module + "_W");
            assertEquals(!trained, params0.get(module + "_W").equals(now), module + " trained=" + trained);
        }
    }
}
