package ai.spectrum.samples.bert;

import ai.spectrum.samples.transformer.BertConfig;
import ai.spectrum.samples.transformer.BertGraph;
import ai.spectrum.samples.transformer.BertMlm;
import ai.spectrum.samples.transformer.MaskedLmOutput;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.learning.config.Adam;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MaskedLmTests {
    /** A tiny BERT over the first 200 ids of the real vocabulary (which holds [PAD]=0, [CLS]..[MASK]=101..103). */
    static final BertConfig TINY = new BertConfig(200, 16, 2, 2, 32, 16, 2, 1e-12);
    static final int LENGTH = 12;

    BertTokenizer tokenizer;
    MaskedLmBatches batches;

    @BeforeAll
    void tokenizer() throws IOException {
        tokenizer = BertTokenizer.allMiniLmL6V2();
        batches = new MaskedLmBatches(tokenizer, LENGTH, TINY.vocabSize(), 0.15, LENGTH);
    }

    @AfterAll
    void close() {
        tokenizer.close();
    }

    List<long[]> sequences(int n, Random random) {
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int len = 3 + random.nextInt(LENGTH - 2);
            long[] s = new long[len];
            s[0] = tokenizer.clsId();
            s[len - 1] = tokenizer.sepId();
            for (int p = 1; p < len - 1; p++) {
                s[p] = 104 + random.nextInt(TINY.vocabSize() - 104);
            }
            out.add(s);
        }
        return out;
    }

    @Nested
    @DisplayName("masking")
    class Masking {
        @Test
        void knowsTheSpecialTokens() {
            assertEquals(101, tokenizer.clsId());
            assertEquals(102, tokenizer.sepId());
            assertEquals(103, tokenizer.maskId());
            assertEquals(0, tokenizer.padId());
        }

        @Test
        @DisplayName("chooses ~15% of ordinary tokens, 80/10/10 mask/random/keep, never specials or padding")
        void followsBertsRule() {
            Random random = new Random(1);
            List<long[]> seqs = sequences(4000, random);
            MultiDataSet b = batches.batch(seqs, new Random(2));
            INDArray ids = b.getFeatures(0);
            INDArray attention = b.getFeatures(3);
            INDArray labels = b.getLabels(0);
            long ordinary = 0;
            long chosen = 0;
            long masked = 0;
            long kept = 0;
            int k = batches.maxPredictions();
            for (int i = 0; i < seqs.size(); i++) {
                long[] s = seqs.get(i);
                java.util.Map<Integer, Long> targets = new java.util.HashMap<>();
                for (int c = 0; c < k; c++) {
                    if (labels.getFloat(i, 2 * k + c) == 1f) {
                        targets.put((int) labels.getLong(i, c), labels.getLong(i, k + c));
                    } else {
                        assertEquals(0f, labels.getFloat(i, c), "unused slots are zero");
                    }
                }
                for (int p = 0; p < LENGTH; p++) {
                    boolean pick = targets.containsKey(p);
                    if (p >= s.length) {
                        assertEquals(0f, attention.getFloat(i, p, 0));
                        assertEquals(tokenizer.padId(), ids.getLong(i, p));
                        assertFalse(pick);
                        continue;
                    }
                    assertEquals(1f, attention.getFloat(i, p, 0));
                    if (tokenizer.isSpecial(s[p])) {
                        assertFalse(pick, "special token chosen");
                        assertEquals(s[p], ids.getLong(i, p));
                        continue;
                    }
                    ordinary++;
                    if (pick) {
                        chosen++;
                        assertEquals(s[p], targets.get(p), "label is the original token");
                        long shown = ids.getLong(i, p);
                        if (shown == tokenizer.maskId()) {
                            masked++;
                        } else if (shown == s[p]) {
                            kept++;
                        }
                    } else {
                        assertEquals(s[p], ids.getLong(i, p), "unchosen tokens are unchanged");
                    }
                }
            }
            // each sequence of k ordinary tokens expects 0.15·k choices plus 0.85^k from the one-per-sequence floor
            double expected = 0;
            for (long[] s : seqs) {
                int m = s.length - 2;
                expected += 0.15 * m + Math.pow(0.85, m);
            }
            assertEquals(expected / ordinary, (double) chosen / ordinary, 0.01);
            assertEquals(0.8, (double) masked / chosen, 0.03);
            assertEquals(0.1 + 0.1 / TINY.vocabSize(), (double) kept / chosen, 0.03);
        }

        @Test
        void capsPredictionsPerSequence() {
            MaskedLmBatches capped = new MaskedLmBatches(tokenizer, LENGTH, TINY.vocabSize(), 0.9, 2);
            List<long[]> seqs = sequences(200, new Random(11));
            INDArray labels = capped.batch(seqs, new Random(12)).getLabels(0);
            assertArrayEquals(new long[]{200, 6}, labels.shape());
            int full = 0;
            for (int i = 0; i < seqs.size(); i++) {
                int ordinary = seqs.get(i).length - 2;
                double real = labels.getFloat(i, 4) + labels.getFloat(i, 5);
                assertTrue(real >= Math.min(1, ordinary) && real <= Math.min(2, ordinary), "slots used: " + real);
                full += real == 2 ? 1 : 0;
            }
            assertTrue(full > 150, "with p=0.9 most sequences fill both slots: " + full);
        }

        @Test
        void isReproducibleFromTheSeed() {
            List<long[]> seqs = sequences(20, new Random(3));
            MultiDataSet a = batches.batch(seqs, new Random(9));
            MultiDataSet b = batches.batch(seqs, new Random(9));
            assertEquals(a.getFeatures(0), b.getFeatures(0));
            assertEquals(a.getLabels(0), b.getLabels(0));
        }

        @Test
        void rejectsOverlongSequences() {
            long[] tooLong = new long[LENGTH + 1];
            assertThrows(IllegalArgumentException.class, () -> batches.batch(List.of(tooLong), new Random(0)));
        }
    }

    @Nested
    @DisplayName("the MLM graph")
    class Training {
        @Test
        @DisplayName("scores the mean cross-entropy of the chosen tokens, computed independently from its logits")
        void scoreIsMaskedTokenCrossEntropy() {
            ComputationGraph graph = BertMlm.create(TINY, new Adam(1e-3));
            MultiDataSet b = batches.batch(sequences(4, new Random(4)), new Random(5));
            INDArray hidden = graph.output(false, b.getFeatures())[0];       // decoder input [4, LENGTH, hidden]
            INDArray decoder = graph.getParam(BertMlm.DECODER + "_W");
            INDArray bias = graph.getParam(BertMlm.DECODER + "_b");
            INDArray labels = b.getLabels(0);
            int k = batches.maxPredictions();
            double sum = 0;
            int count = 0;
            for (int i = 0; i < 4; i++) {
                for (int c = 0; c < k; c++) {
                    if (labels.getFloat(i, 2 * k + c) == 1f) {
                        INDArray h = hidden.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i),
                                org.nd4j.linalg.indexing.NDArrayIndex.point(labels.getLong(i, c)),
                                org.nd4j.linalg.indexing.NDArrayIndex.all()).reshape(1, TINY.hidden());
                        double[] logits = h.mmul(decoder).addi(bias).toDoubleVector();
                        double max = java.util.Arrays.stream(logits).max().orElseThrow();
                        double z = 0;
                        for (double v : logits) {
                            z += Math.exp(v - max);
                        }
                        sum += -(logits[(int) labels.getLong(i, k + c)] - max - Math.log(z));
                        count++;
                    }
                }
            }
            assertTrue(count >= 4);
            assertEquals(sum / count, graph.score(b, false), 1e-4);
        }

        @Test
        @DisplayName("backpropagates exactly: analytic gradients match finite differences (float64)")
        void gradientsMatchFiniteDifferences() {
            org.nd4j.linalg.api.buffer.DataType previous = org.nd4j.linalg.factory.Nd4j.dataType();
            org.nd4j.linalg.factory.Nd4j.setDefaultDataTypes(org.nd4j.linalg.api.buffer.DataType.DOUBLE,
                    org.nd4j.linalg.api.buffer.DataType.DOUBLE);
            try {
                checkGradients();
            } finally {
                org.nd4j.linalg.factory.Nd4j.setDefaultDataTypes(previous, previous);
            }
        }

        /**
         * Central differences of the score against the analytic gradient (divided by the minibatch size, as DL4J's
         * updater does), for the first entries of a parameter in every kind of layer, bottom to top.
         */
        private void checkGradients() {
            BertConfig small = new BertConfig(200, 8, 1, 2, 16, 16, 2, 1e-12);
            ComputationGraph graph = new ComputationGraph(BertMlm.configuration(small,
                    new org.nd4j.linalg.learning.config.NoOp(), org.nd4j.linalg.api.buffer.DataType.DOUBLE));
            graph.init();
            MultiDataSet b = batches.batch(sequences(3, new Random(13)), new Random(14));
            INDArray[] features = java.util.Arrays.stream(b.getFeatures())
                    .map(f -> f.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)).toArray(INDArray[]::new);
            INDArray[] labels = {b.getLabels(0).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)};
            MultiDataSet mds = new MultiDataSet(features, labels);
            graph.setInputs(features);
            graph.setLabels(labels);
            graph.computeGradientAndScore();
            int checked = 0;
            for (String key : List.of(BertMlm.DECODER + "_W", BertMlm.DECODER + "_b", BertMlm.TRANSFORM_NORM + "_gamma",
                    BertMlm.TRANSFORM + "_W", "encoder.layer.0.output.LayerNorm_beta", "encoder.layer.0.output.dense_W",
                    "encoder.layer.0.intermediate.dense_b", "encoder.layer.0.attention.output.dense_W",
                    "encoder.layer.0.attention.self.query_W", "encoder.layer.0.attention.self.value_b",
                    "embeddings.LayerNorm_gamma")) {
                INDArray analytic = graph.gradient().getGradientFor(key).dup();
                INDArray param = graph.getParam(key);
                for (int c = 0; c < 3; c++) {
                    double original = param.getDouble(0, c);
                    param.putScalar(new long[]{0, c}, original + 1e-6);
                    double plus = graph.score(mds, true);
                    param.putScalar(new long[]{0, c}, original - 1e-6);
                    double minus = graph.score(mds, true);
                    param.putScalar(new long[]{0, c}, original);
                    double numeric = (plus - minus) / 2e-6;
                    double ours = analytic.getDouble(0, c) / 3;
                    assertEquals(numeric, ours, 1e-6 + 1e-4 * Math.abs(numeric), key + "[0," + c + "]");
                    checked++;
                }
            }
            assertEquals(33, checked);
        }

        @Test
        @DisplayName("keeps the decoder equal to the transposed embeddings while both train, and learns")
        void tiesDecoderToEmbeddings() {
            ComputationGraph graph = BertMlm.create(TINY, new Adam(3e-2));
            List<Double> scores = new ArrayList<>();
            graph.addListeners(new BaseTrainingListener() {
                @Override
                public void iterationDone(Model model, int iteration, int epoch) {
                    scores.add(model.score());
                }
            });
            INDArray embeddings0 = graph.getParam(BertGraph.WORD_EMBEDDINGS + "_W").dup();
            MultiDataSet b = batches.batch(sequences(8, new Random(6)), new Random(7));
            double before = graph.score(b, false);
            for (int i = 0; i < 12; i++) {
                graph.fit(b);
            }
            INDArray e = graph.getParam(BertGraph.WORD_EMBEDDINGS + "_W");
            INDArray d = graph.getParam(BertMlm.DECODER + "_" + MaskedLmOutput.WEIGHT);
            assertNotEquals(embeddings0, e);
            assertEquals(e.transpose(), d);
            assertEquals(12, scores.size(), "a stock TrainingListener runs on the graph");
            assertTrue(graph.score(b, false) < before - 0.5, "learns one batch: " + before + " → "
                    + graph.score(b, false));
        }

        @Test
        @DisplayName("with a frozen encoder trains only the head, keeping encoder and tied pair bit-identical")
        void frozenEncoderBaseline() {
            ComputationGraph full = BertMlm.create(TINY, new Adam(1e-2));
            ComputationGraph graph = new TransferLearning.GraphBuilder(full)
                    .setFeatureExtractor(BertGraph.lastHiddenState(TINY)).build();
            graph.setListeners(BertMlm.tie());
            java.util.Map<String, INDArray> params0 = new java.util.HashMap<>();
            graph.paramTable().forEach((k, v) -> params0.put(k, v.dup()));
            MultiDataSet b = batches.batch(sequences(8, new Random(8)), new Random(9));
            for (int i = 0; i < 2; i++) {
                graph.fit(b);
            }
            for (String frozen : List.of(BertGraph.WORD_EMBEDDINGS + "_W", "encoder.layer.0.attention.self.query_W",
                    BertGraph.lastHiddenState(TINY) + "_gamma", BertMlm.DECODER + "_W")) {
                assertEquals(params0.get(frozen), graph.getParam(frozen), frozen);
            }
            assertNotEquals(params0.get(BertMlm.TRANSFORM + "_W"), graph.getParam(BertMlm.TRANSFORM + "_W"));
            assertNotEquals(params0.get(BertMlm.DECODER + "_b"), graph.getParam(BertMlm.DECODER + "_b"));
            assertEquals(graph.getParam(BertGraph.WORD_EMBEDDINGS + "_W").transpose(),
                    graph.getParam(BertMlm.DECODER + "_W"));
        }
    }
}
