package ai.spectrum.spark;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;

/**
 * Worker-side fix for DL4J: gives a worker's {@code ComputationGraph} the driver's iteration and epoch counts.
 *
 * <p>DL4J's parameter-averaging worker builds its graph from {@code ComputationGraphConfiguration.clone()}, which (in
 * 1.0.0-M2.1) drops the iteration and epoch counters, so every round would train as if from iteration 0: Adam's bias
 * correction and learning-rate schedules restart each round, and a Spark run differs from a single-machine run over the
 * same minibatches. ({@code MultiLayerConfiguration.clone()} keeps them.) The driver's training master creates one
 * hook per round with the counts it broadcasts; before a worker graph's first minibatch the hook writes them into its
 * configuration.
 */
final class GraphCounters implements TrainingHook {
    private static final long serialVersionUID = 1L;

    private final int iterationCount;
    private final int epochCount;
    /** Worker graphs already given the counts; per deserialized copy, and safe if local threads share one. */
    private transient Set<Model> done;

    GraphCounters(int iterationCount, int epochCount) {
        this.iterationCount = iterationCount;
        this.epochCount = epochCount;
    }

    private synchronized void apply(Model model) {
        if (!(model instanceof ComputationGraph cg)) {
            return;
        }
        if (done == null) {
            done = Collections.newSetFromMap(new WeakHashMap<>());
        }
        if (done.add(cg)) {
            cg.getConfiguration().setIterationCount(iterationCount);
            cg.getConfiguration().setEpochCount(epochCount);
        }
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        apply(model);
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        apply(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }
}
