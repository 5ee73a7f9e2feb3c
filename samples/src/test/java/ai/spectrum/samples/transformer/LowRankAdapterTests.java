package ai.spectrum.samples.transformer;

import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.training.freeze.NetworkFreeze;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LoRA adapters on a tiny BERT classifier: exact gradients, an unchanged start, and a base that never moves. */
class LowRankAdapterTests {
    static final BertConfig TINY = new BertConfig(50, 8, 2, 2, 16, 16, 2, 1e-12);
    static final int CLASSES = 3;
    static final int TIME = 6;
    static final int BATCH = 3;
    static final String QUERY_0 = "encoder.layer.0.attention.self.query";

    static ComputationGraph classifier(DataType type, BertGraph.Adapters adapters) {
        ComputationGraph g = new ComputationGraph(BertClassifier.configuration(TINY, CLASSES, new Adam(1e-2),
                new Adam(1e-2), adapters, type));
        g.init();
        return g;
    }

    /** Random ids, one padded position in the second passage, one-hot labels. */
    static MultiDataSet batch(DataType type, long seed) {
        Random r = new Random(seed);
        int n = BATCH;
        double[][] ids = new double[n][TIME];
        double[][] pos = new double[n][TIME];
        double[][] types = new double[n][TIME];
        double[][] mask = new double[n][TIME];
        double[][] y = new double[n][CLASSES];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < TIME; t++) {
                ids[i][t] = r.nextInt(TINY.vocabSize());
                pos[i][t] = t;
                mask[i][t] = i == 1 && t == TIME - 1 ? 0 : 1;
            }
            y[i][r.nextInt(CLASSES)] = 1;
        }
        return new MultiDataSet(new INDArray[]{arr(ids, type), arr(pos, type), arr(types, type),
                arr(mask, type).reshape(n, TIME, 1)}, new INDArray[]{arr(y, type)});
    }

    private static INDArray arr(double[][] v, DataType type) {
        return Nd4j.createFromArray(v).castTo(type);
    }

    @Nested
    @DisplayName("gradients")
    class Gradients {
        @Test
        @DisplayName("of A and B match central finite differences of the mean loss (float64, B made non-zero)")
        void matchFiniteDifferences() {
            ComputationGraph g = classifier(DataType.DOUBLE, new BertGraph.Adapters(2, 4, new NoOp()));
            Nd4j.getRandom().setSeed(7);
            for (GraphVertex v : g.getVertices()) {
                if (v.getVertexName().endsWith(BertGraph.LORA)) {
                    v.getLayer().getParam(LowRankAdapter.B).assign(Nd4j.randn(DataType.DOUBLE, 2, 8).muli(0.5));
                }
            }
            MultiDataSet data = batch(DataType.DOUBLE, 1);
            g.setInputs(data.getFeatures());
            g.setLabels(data.getLabels());
            g.computeGradientAndScore();
            int checked = 0;
            for (String vertex : List.of(QUERY_0 + BertGraph.LORA, "encoder.layer.1.attention.self.value"
                    + BertGraph.LORA)) {
                for (String key : List.of(LowRankAdapter.A, LowRankAdapter.B)) {
                    INDArray param = g.getVertex(vertex).getLayer().getParam(key);
                    // DL4J's raw gradient is summed over the minibatch (the updater divides by its size); the
                    // score is the mean
                    INDArray analytic = g.gradient().getGradientFor(vertex + "_" + key).div(BATCH);
                    for (long i = 0; i < param.length(); i += 3) {
                        double original = param.getDouble(i);
                        double h = 1e-6;
                        param.putScalar(i, original + h);
                        double plus = g.score(data, false);
                        param.putScalar(i, original - h);
                        double minus = g.score(data, false);
                        param.putScalar(i, original);
                        double numeric = (plus - minus) / (2 * h);
                        double a = analytic.getDouble(i);
                        assertEquals(numeric, a, 1e-7 + 1e-5 * Math.abs(numeric), vertex + "/" + key + "[" + i + "]");
                        checked++;
                    }
                }
            }
            assertTrue(checked > 20, "checked " + checked);
        }

        @Test
        @DisplayName("of A are exactly zero while B is at its zero start; B's are not")
        void zeroAtStart() {
            ComputationGraph g = classifier(DataType.DOUBLE, new BertGraph.Adapters(2, 4, null));
            MultiDataSet data = batch(DataType.DOUBLE, 2);
            g.setInputs(data.getFeatures());
            g.setLabels(data.getLabels());
            g.computeGradientAndScore();
            String v = QUERY_0 + BertGraph.LORA;
            assertEquals(0, g.gradient().getGradientFor(v + "_" + LowRankAdapter.A).norm2Number().doubleValue());
            assertTrue(g.gradient().getGradientFor(v + "_" + LowRankAdapter.B).norm2Number().doubleValue() > 0);
        }
    }

    @Test
    @DisplayName("an adapted network with B = 0 computes exactly what its base computes")
    void startEqualsBase() {
        ComputationGraph base = classifier(DataType.FLOAT, null);
        ComputationGraph adapted = classifier(DataType.FLOAT, new BertGraph.Adapters(8, 16, null));
        for (GraphVertex v : base.getVertices()) {
            if (v.hasLayer() && v.getLayer().numParams() > 0) {
                v.getLayer().paramTable().forEach((k, p) -> adapted.getVertex(v.getVertexName()).getLayer()
                        .getParam(k).assign(p));
            }
        }
        MultiDataSet data = batch(DataType.FLOAT, 3);
        float[] expected = base.output(false, data.getFeatures())[0].ravel().toFloatVector();
        float[] actual = adapted.output(false, data.getFeatures())[0].ravel().toFloatVector();
        assertArrayEquals(expected, actual, 0f);
    }

    @Test
    @DisplayName("frozen with NetworkFreeze to adapters + head, base weights stay bit-identical while adapters learn")
    void baseStaysBitIdentical() {
        ComputationGraph g = classifier(DataType.FLOAT, new BertGraph.Adapters(2, 4, new Adam(1e-2)));
        Set<String> trainable = new LinkedHashSet<>();
        Dl4jNetwork.of(g).weights().entries().forEach(e -> {
            if (e.layer().endsWith(BertGraph.LORA) || e.layer().equals(BertClassifier.CLASSIFIER)) {
                trainable.add(e.info().name());
            }
        });
        assertEquals(2 * 2 * TINY.layers() + 1, trainable.size(), trainable.toString());
        NetworkFreeze.of(Dl4jNetwork.of(g), true).apply(trainable);
        Map<String, float[]> before = snapshot(g);
        for (int step = 0; step < 3; step++) {
            g.fit(batch(DataType.FLOAT, 10 + step));
        }
        Map<String, float[]> after = snapshot(g);
        int frozen = 0;
        for (Map.Entry<String, float[]> e : before.entrySet()) {
            String vertex = e.getKey().substring(0, e.getKey().lastIndexOf('/'));
            boolean trains = vertex.endsWith(BertGraph.LORA) || vertex.equals(BertClassifier.CLASSIFIER);
            if (trains) {
                assertFalse(java.util.Arrays.equals(e.getValue(), after.get(e.getKey())), e.getKey() + " trained");
            } else {
                assertArrayEquals(e.getValue(), after.get(e.getKey()), 0f, e.getKey());
                frozen++;
            }
        }
        assertTrue(frozen > 20, "frozen parameters compared: " + frozen);
    }

    private static Map<String, float[]> snapshot(ComputationGraph g) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (GraphVertex v : g.getVertices()) {
            if (v.hasLayer()) {
                v.getLayer().paramTable().forEach((k, p) -> out.put(v.getVertexName() + "/" + k,
                        p.dup().ravel().toFloatVector()));
            }
        }
        return out;
    }
}
