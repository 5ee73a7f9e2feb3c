package ai.spectrum.spark;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Small networks and data for the Spark tests, and bit-exact comparisons. */
final class TestNets {
    static final int IN = 10;
    static final int HIDDEN = 16;
    static final int OUT = 3;

    private TestNets() {
    }

    /** in → d1 → d2 → d3 → d4 → out, Adam with L2 (so a frozen parameter would drift if it got any update). */
    static ComputationGraph graph(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).updater(new Adam(1e-2)).l2(1e-3).weightInit(WeightInit.XAVIER)
                .graphBuilder().addInputs("in")
                .addLayer("d1", dense(IN), "in")
                .addLayer("d2", dense(HIDDEN), "d1")
                .addLayer("d3", dense(HIDDEN), "d2")
                .addLayer("d4", dense(HIDDEN), "d3")
                .addLayer("out", output(), "d4")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** in → {@code layers} dense layers of {@code width} (ReLU) → softmax output over {@link #OUT} classes; Adam. */
    static ComputationGraph wideGraph(long seed, int width, int layers) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
                .seed(seed).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER)
                .graphBuilder().addInputs("in");
        String prev = "in";
        for (int i = 1; i <= layers; i++) {
            b.addLayer("d" + i, new DenseLayer.Builder().nIn(width).nOut(width).activation(Activation.RELU).build(),
                    prev);
            prev = "d" + i;
        }
        b.addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(width).nOut(OUT)
                .activation(Activation.SOFTMAX).build(), prev);
        ComputationGraph g = new ComputationGraph(b.setOutputs("out").build());
        g.init();
        return g;
    }

    /** {@code count} minibatches of {@code batch} random examples of {@code features} features. */
    static List<DataSet> minibatches(int count, int batch, int features, long seed) {
        Random rnd = new Random(seed);
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[][] xs = new float[batch][features];
            for (float[] row : xs) {
                for (int c = 0; c < features; c++) {
                    row[c] = (float) rnd.nextGaussian();
                }
            }
            INDArray x = Nd4j.create(xs);
            float[][] y = new float[batch][OUT];
            for (int r = 0; r < batch; r++) {
                y[r][rnd.nextInt(OUT)] = 1f;
            }
            out.add(new DataSet(x, Nd4j.create(y)));
        }
        return out;
    }

    /** The same layers as {@link #graph} in a MultiLayerNetwork. */
    static MultiLayerNetwork multiLayer(long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).updater(new Adam(1e-2)).l2(1e-3).weightInit(WeightInit.XAVIER)
                .list()
                .layer(named(dense(IN), "d1")).layer(named(dense(HIDDEN), "d2")).layer(named(dense(HIDDEN), "d3"))
                .layer(named(dense(HIDDEN), "d4")).layer(named(output(), "out"))
                .build();
        MultiLayerNetwork n = new MultiLayerNetwork(conf);
        n.init();
        return n;
    }

    private static <L extends org.deeplearning4j.nn.conf.layers.Layer> L named(L layer, String name) {
        layer.setLayerName(name);
        return layer;
    }

    private static DenseLayer dense(int nIn) {
        return new DenseLayer.Builder().nIn(nIn).nOut(HIDDEN).activation(Activation.TANH).build();
    }

    private static OutputLayer output() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(OUT)
                .activation(Activation.SOFTMAX).build();
    }

    /** {@code count} minibatches of {@code batch} random examples with one-hot labels. */
    static List<DataSet> minibatches(int count, int batch, long seed) {
        Random rnd = new Random(seed);
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            float[][] x = new float[batch][IN];
            float[][] y = new float[batch][OUT];
            for (int r = 0; r < batch; r++) {
                for (int c = 0; c < IN; c++) {
                    x[r][c] = (float) rnd.nextGaussian();
                }
                y[r][rnd.nextInt(OUT)] = 1f;
            }
            out.add(new DataSet(Nd4j.create(x), Nd4j.create(y)));
        }
        return out;
    }

    /** Bit-exact equality of two float arrays' values. */
    static void assertBitIdentical(INDArray expected, INDArray actual, String what) {
        assertArrayEquals(expected.dup().data().asFloat(), actual.dup().data().asFloat(), what);
    }

    /** Copies of every parameter, keyed as in the network's parameter table. */
    static Map<String, INDArray> paramCopies(Model net) {
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        net.paramTable().forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    /** The layer of a parameter-table key ({@code d1_W} → {@code d1}, {@code 0_W} → {@code 0}). */
    static String layerOf(String paramKey) {
        return paramKey.substring(0, paramKey.lastIndexOf('_'));
    }
}
