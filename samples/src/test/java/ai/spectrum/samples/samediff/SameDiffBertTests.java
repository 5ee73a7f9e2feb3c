package ai.spectrum.samples.samediff;

import ai.spectrum.samediff.SameDiffModules;
import ai.spectrum.samples.transformer.BertConfig;
import ai.spectrum.samples.transformer.BertGraph;
import ai.spectrum.samples.transformer.BertMlm;
import ai.spectrum.samples.transformer.MaskedLmOutput;
import ai.spectrum.samples.bert.SentenceEncoder;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("all-MiniLM-L6-v2 as a pure SameDiff graph")
class SameDiffBertTests {
    /** Sentences written for this test (in no training corpus), of different lengths. */
    private static final List<String> HELD_OUT = List.of(
            "The cartographer misplaced an entire archipelago between two coffee stains.",
            "Spectrum trains the weight matrices whose spectra carry signal and freezes the rest.",
            "Kurz gesagt: der Zug fährt heute nicht.",
            "yes",
            "After the third rehearsal the brass section finally agreed on a tempo, although the percussionist "
                    + "kept insisting that the metronome was haunted and should be replaced before the concert.");
    private static final int TIME = 48;

    SentenceEncoder encoder;
    BertConfig config;

    @BeforeAll
    void load() throws IOException {
        encoder = SentenceEncoder.allMiniLmL6V2(TIME);
        config = encoder.config();
    }

    @AfterAll
    void close() {
        encoder.close();
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        assertEquals(java.util.Arrays.toString(a.shape()), java.util.Arrays.toString(b.shape()));
        return a.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).sub(b.castTo(org.nd4j.linalg.api.buffer.DataType
                .DOUBLE)).amaxNumber().doubleValue();
    }

    @Test
    @DisplayName("gives the ComputationGraph port's outputs on held-out sentences (within 1e-5)")
    void matchesTheComputationGraphPort() {
        SameDiff sd = SameDiffBert.encoder(encoder.graph(), config, TIME);
        INDArray[] in = encoder.inputs(HELD_OUT);
        INDArray[] expected = encoder.graph().output(false, in);
        Map<String, INDArray> feed = new HashMap<>();
        feed.put(BertGraph.INPUT_IDS, in[0]);
        feed.put(BertGraph.POSITION_IDS, in[1]);
        feed.put(BertGraph.TOKEN_TYPE_IDS, in[2]);
        feed.put(BertGraph.ATTENTION_MASK, in[3]);
        Map<String, INDArray> out = sd.output(feed, SameDiffBert.SENTENCE_EMBEDDING, SameDiffBert.LAST_HIDDEN_STATE);
        double sentence = maxAbsDiff(expected[0], out.get(SameDiffBert.SENTENCE_EMBEDDING));
        double hidden = maxAbsDiff(expected[1], out.get(SameDiffBert.LAST_HIDDEN_STATE));
        assertTrue(sentence <= 1e-5, "sentence embeddings differ by " + sentence);
        assertTrue(hidden <= 1e-5, "last hidden states differ by " + hidden);
    }

    /** A tiny random MLM batch: padded sequences, two predictions each (the second of the last one unused). */
    private static MultiDataSet tinyBatch(BertConfig c, int time) {
        java.util.Random r = new java.util.Random(5);
        int n = 3;
        float[][] ids = new float[n][time];
        float[][] positions = new float[n][time];
        float[][] types = new float[n][time];
        float[][] mask = new float[n][time];
        float[][] labels = new float[n][6];
        for (int i = 0; i < n; i++) {
            int len = time - 2 * i;
            for (int t = 0; t < time; t++) {
                positions[i][t] = t;
                if (t < len) {
                    ids[i][t] = r.nextInt(c.vocabSize());
                    types[i][t] = t < len / 2 ? 0 : 1;
                    mask[i][t] = 1;
                }
            }
            labels[i][0] = 1;
            labels[i][1] = len - 1;
            labels[i][2] = r.nextInt(c.vocabSize());
            labels[i][3] = r.nextInt(c.vocabSize());
            labels[i][4] = 1;
            labels[i][5] = i == n - 1 ? 0 : 1;
        }
        return new MultiDataSet(new INDArray[]{Nd4j.createFromArray(ids), Nd4j.createFromArray(positions),
                Nd4j.createFromArray(types), Nd4j.createFromArray(mask).reshape(n, time, 1)},
                new INDArray[]{Nd4j.createFromArray(labels)});
    }

    @Test
    @DisplayName("has the MLM loss and gradients of the ComputationGraph port (tiny random BERT)")
    void mlmMatchesThePort() {
        BertConfig tiny = new BertConfig(40, 16, 2, 2, 32, 16, 2, 1e-12);
        int time = 8;
        ComputationGraph cg = new ComputationGraph(BertMlm.configuration(tiny, new Adam(1e-3)));
        cg.init();
        BertMlm.tie().sync(cg);
        MultiDataSet batch = tinyBatch(tiny, time);
        SameDiff sd = SameDiffBert.mlm(cg, tiny, time, 2, new Adam(1e-3));
        Map<String, INDArray> feed = new HashMap<>();
        for (int i = 0; i < 4; i++) {
            feed.put(sd.getTrainingConfig().getDataSetFeatureMapping().get(i), batch.getFeatures(i));
        }
        feed.put(SameDiffBert.LABELS, batch.getLabels(0));
        double cgScore = cg.score(batch, false);
        double sdScore = sd.output(feed, SameDiffBert.LOSS).get(SameDiffBert.LOSS).getDouble(0);
        assertEquals(cgScore, sdScore, 1e-5 * cgScore, "MLM loss");

        // DL4J's raw gradient is summed over the minibatch (SameDiff's: of the mean loss), and the decoder's part of
        // the tied table's gradient is added by TiedEmbeddings, outside computeGradientAndScore
        cg.setInputs(batch.getFeatures());
        cg.setLabels(batch.getLabels());
        cg.computeGradientAndScore();
        Map<String, INDArray> cgGrad = cg.gradient().gradientForVariable();
        String[][] pairs = {
                {"encoder.layer.0.attention.self.query_W", "encoder.layer.0.attention.self.query/kernel"},
                {"encoder.layer.1.output.dense_b", "encoder.layer.1.output.dense/bias"},
                {"encoder.layer.0.attention.output.LayerNorm_gamma", "encoder.layer.0.attention.output.LayerNorm/gamma"},
                {"embeddings.position_embeddings_W", "embeddings.position_embeddings/kernel"},
                {"embeddings.token_type_embeddings_W", "embeddings.token_type_embeddings/kernel"},
                {BertMlm.DECODER + "_b", SameDiffBert.DECODER_BIAS}};
        List<String> names = java.util.Arrays.stream(pairs).map(p -> p[1]).toList();
        Map<String, INDArray> sdGrad = sd.calculateGradients(feed, names);
        long n = batch.getFeatures(0).size(0);
        for (String[] p : pairs) {
            INDArray expected = cgGrad.get(p[0]).reshape(sdGrad.get(p[1]).shape()).div(n);
            double scale = expected.amaxNumber().doubleValue();
            double diff = maxAbsDiff(expected, sdGrad.get(p[1]));
            assertTrue(scale > 0 && diff <= 1e-4 * scale, p[1] + ": gradient differs by " + diff + " of " + scale);
        }
        INDArray tied = cgGrad.get(BertGraph.WORD_EMBEDDINGS + "_W")
                .add(cgGrad.get(BertMlm.DECODER + "_" + MaskedLmOutput.WEIGHT).transpose()).div(n);
        INDArray table = sd.calculateGradients(feed, BertGraph.WORD_EMBEDDINGS + "/kernel")
                .get(BertGraph.WORD_EMBEDDINGS + "/kernel");
        double diff = maxAbsDiff(tied, table);
        assertTrue(diff <= 1e-4 * tied.amaxNumber().doubleValue(), "tied table gradient differs by " + diff);
    }

    @Test
    @DisplayName("names and types its modules like the ComputationGraph port")
    void modulesMatchThePort() {
        SameDiff sd = SameDiffBert.encoder(encoder.graph(), config, TIME);
        SameDiffModules modules = SameDiffModules.of(sd, SameDiffBert.naming());
        Set<String> sdModules = new java.util.LinkedHashSet<>(modules.weights().entries().stream()
                .map(e -> e.info().name()).toList());
        Set<String> cgModules = new java.util.LinkedHashSet<>(ai.spectrum.dl4j.Dl4jNetwork.of(encoder.graph()).weights()
                .entries().stream().map(e -> e.info().name()).toList());
        assertEquals(cgModules, sdModules);
        assertEquals("attention.self.query/kernel",
                modules.weights().entry("encoder.layer.3.attention.self.query").orElseThrow().info().type());
    }
}
