package ai.spectrum.training;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Small seeded networks and data for training tests. */
public final class TestNets {
    static final int IN = 8;
    static final int HIDDEN = 16;
    static final int CLASSES = 3;

    private TestNets() {
    }

    /** Options for the networks: regularization on/off, dropout on the middle dense layer. */
    public record Options(double l2, double weightDecay, double dropoutRetain, boolean batchNorm) {
        public static Options all() {
            return new Options(1e-2, 1e-3, 0.8, true);
        }

        public static Options plain() {
            return new Options(0, 0, 0, true);
        }

        /** No regularization, no dropout, and an identity activation layer instead of batch norm. */
        public static Options bare() {
            return new Options(0, 0, 0, false);
        }
    }

    private static Layer norm(Options o) {
        return o.batchNorm() ? new BatchNormalization.Builder().nOut(HIDDEN).build()
                : new ActivationLayer.Builder().activation(Activation.IDENTITY).build();
    }

    private static NeuralNetConfiguration.Builder base(Options o) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-2));
        if (o.l2() > 0) {
            b.l2(o.l2());
        }
        if (o.weightDecay() > 0) {
            b.weightDecay(o.weightDecay());
        }
        return b;
    }

    private static Layer middle(Options o) {
        DenseLayer.Builder d = new DenseLayer.Builder().nIn(HIDDEN).nOut(HIDDEN).activation(Activation.TANH);
        if (o.dropoutRetain() > 0) {
            d.dropOut(o.dropoutRetain());
        }
        return d.build();
    }

    /** layer0 dense → layer1 batch norm → layer2 dense (dropout) → layer3 dense → layer4 softmax output. */
    public static MultiLayerNetwork mln(Options o) {
        MultiLayerConfiguration conf = base(o).list()
                .layer(new DenseLayer.Builder().nIn(IN).nOut(HIDDEN).activation(Activation.RELU).build())
                .layer(norm(o))
                .layer(middle(o))
                .layer(new DenseLayer.Builder().nIn(HIDDEN).nOut(HIDDEN).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** in → d0 → bn0 → d1 (dropout) → add(bn0, d1) → d2 → out: a residual graph. */
    public static ComputationGraph graph(Options o) {
        ComputationGraphConfiguration conf = base(o).graphBuilder()
                .addInputs("in")
                .addLayer("d0", new DenseLayer.Builder().nIn(IN).nOut(HIDDEN).activation(Activation.RELU).build(), "in")
                .addLayer("bn0", norm(o), "d0")
                .addLayer("d1", middle(o), "bn0")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "bn0", "d1")
                .addLayer("d2", new DenseLayer.Builder().nIn(HIDDEN).nOut(HIDDEN).activation(Activation.RELU).build(), "add")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "d2")
                .setOutputs("out")
                .setInputTypes(InputType.feedForward(IN))
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /** {@code n} seeded minibatches of 16 examples. */
    public static List<DataSet> batches(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            INDArray x = Nd4j.randn(16, IN);
            INDArray y = Nd4j.zeros(16, CLASSES);
            for (int r = 0; r < 16; r++) {
                y.putScalar(r, (r + i) % CLASSES, 1.0);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }

    public static DataSetIterator iterator(List<DataSet> batches) {
        return new ListIterator(batches);
    }

    /** A synchronous, resettable iterator over fixed minibatches. */
    static final class ListIterator implements DataSetIterator {
        private static final long serialVersionUID = 1L;
        private final List<DataSet> batches;
        private int next;

        ListIterator(List<DataSet> batches) {
            this.batches = List.copyOf(batches);
        }

        @Override
        public DataSet next(int num) {
            return next();
        }

        @Override
        public int inputColumns() {
            return IN;
        }

        @Override
        public int totalOutcomes() {
            return CLASSES;
        }

        @Override
        public boolean resetSupported() {
            return true;
        }

        @Override
        public boolean asyncSupported() {
            return false;
        }

        @Override
        public void reset() {
            next = 0;
        }

        @Override
        public int batch() {
            return 16;
        }

        @Override
        public void setPreProcessor(DataSetPreProcessor preProcessor) {
            throw new UnsupportedOperationException();
        }

        @Override
        public DataSetPreProcessor getPreProcessor() {
            return null;
        }

        @Override
        public List<String> getLabels() {
            return null;
        }

        @Override
        public boolean hasNext() {
            return next < batches.size();
        }

        @Override
        public DataSet next() {
            return batches.get(next++);
        }
    }

    /** Copies of every parameter, keyed as in {@code paramTable()}. */
    public static Map<String, INDArray> snapshot(Map<String, INDArray> params) {
        Map<String, INDArray> out = new HashMap<>();
        params.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }
}
