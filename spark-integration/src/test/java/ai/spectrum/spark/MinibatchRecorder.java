package ai.spectrum.spark;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A worker-side training hook that records, in order, copies of the minibatches the workers train on. Works in
 * Spark local mode only, where the workers run in the test's JVM and share the static list.
 */
final class MinibatchRecorder implements TrainingHook {
    private static final long serialVersionUID = 1L;
    private static final List<org.nd4j.linalg.dataset.DataSet> SEEN = new CopyOnWriteArrayList<>();

    static void clear() {
        SEEN.clear();
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
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }
}
