package ai.spectrum.spark;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A worker-side training hook that records, in order, copies of the minibatches the workers train on and the size
 * of the worker network's gradient array. Works in
 * Spark local mode only, where the workers run in the test's JVM and share the static list.
 */
final class MinibatchRecorder implements TrainingHook {
    private static final long serialVersionUID = 1L;
    private static final List<org.nd4j.linalg.dataset.DataSet> SEEN = new CopyOnWriteArrayList<>();
    private static final List<Long> GRADIENT_LENGTHS = new CopyOnWriteArrayList<>();

    static void clear() {
        SEEN.clear();
        GRADIENT_LENGTHS.clear();
    }

    /** Per trained minibatch, the length of the worker network's flattened gradient array after the step. */
    static List<Long> gradientLengths() {
        return List.copyOf(GRADIENT_LENGTHS);
    }

    private static void recordGradient(Model model) {
        org.nd4j.linalg.api.ndarray.INDArray g = model instanceof org.deeplearning4j.nn.graph.ComputationGraph cg
                ? cg.getFlattenedGradients()
                : ((org.deeplearning4j.nn.multilayer.MultiLayerNetwork) model).getFlattenedGradients();
        GRADIENT_LENGTHS.add(g.length());
    }

    /** The minibatches trained so far, as single-input single-output data sets, in training order. */
    static List<org.nd4j.linalg.dataset.DataSet> seen() {
        return List.copyOf(SEEN);
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        SEEN.add(new org.nd4j.linalg.dataset.DataSet(minibatch.getFeatures().dup(), minibatch.getLabels().dup()));
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        SEEN.add(new org.nd4j.linalg.dataset.DataSet(minibatch.getFeatures(0).dup(), minibatch.getLabels(0).dup()));
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
        recordGradient(model);
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
        recordGradient(model);
    }
}
