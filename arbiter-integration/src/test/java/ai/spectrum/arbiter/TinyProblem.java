package ai.spectrum.arbiter;

import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A small, fully deterministic classification problem: three Gaussian blobs in 4-D, a 4-8-3 network. */
final class TinyProblem {
    static final int BATCH = 16;
    static final int TRAIN_BATCHES = 6;

    private TinyProblem() {
    }

    static DataSetIterator train() {
        return iterator(blobs(TRAIN_BATCHES * BATCH, 1));
    }

    static DataSetIterator validation() {
        return iterator(blobs(3 * BATCH, 2));
    }

    private static DataSetIterator iterator(List<DataSet> examples) {
        return new ListDataSetIterator<>(examples, BATCH);
    }

    private static List<DataSet> blobs(int n, long seed) {
        Random rnd = new Random(seed);
        List<DataSet> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int cls = i % 3;
            float[] x = new float[4];
            for (int j = 0; j < 4; j++) {
                x[j] = (float) (rnd.nextGaussian() * 0.8 + (j == cls ? 2.0 : 0.0));
            }
            float[] y = new float[3];
            y[cls] = 1;
            out.add(new DataSet(Nd4j.create(x, 1, 4), Nd4j.create(y, 1, 3)));
        }
        return out;
    }

    /** A MultiLayerNetwork whose learning rate is the candidate's {@code learningRate}. */
    static MultiLayerNetwork mln(SweepCandidate candidate, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .updater(new Sgd(candidate.doubleHyperparameter("learningRate")))
                .list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** The same network as a ComputationGraph. */
    static ComputationGraph graph(SweepCandidate candidate, long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed)
                .dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER)
                .updater(new Sgd(candidate.doubleHyperparameter("learningRate")))
                .graphBuilder()
                .addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(4).nOut(8).activation(Activation.TANH).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(8).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    /** Trains outside the sweep, exactly {@code iterations} minibatches over repeated epochs. */
    static double trainAndScoreIndependently(Model model, long iterations) {
        DataSetIterator data = train();
        long done = 0;
        while (done < iterations) {
            data.reset();
            while (data.hasNext() && done < iterations) {
                DataSet batch = data.next();
                if (model instanceof MultiLayerNetwork m) {
                    m.fit(batch);
                } else {
                    ((ComputationGraph) model).fit(batch);
                }
                done++;
            }
        }
        return SweepScore.validationLoss().score(model, validation());
    }

    /** A stand-in for the Spectrum listener that only records what it was built with and how often it ran. */
    static final class RecordingListenerFactory implements ListenerFactory {
        final List<SpectrumSettings> built = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<int[]> iterations = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public TrainingListener create(SpectrumSettings settings, long seed) {
            built.add(settings);
            int[] count = new int[1];
            iterations.add(count);
            return new BaseTrainingListener() {
                @Override
                public void iterationDone(Model model, int iteration, int epoch) {
                    count[0]++;
                }
            };
        }
    }
}
