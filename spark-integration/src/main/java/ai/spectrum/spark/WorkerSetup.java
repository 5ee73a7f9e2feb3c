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
 * Worker-side hook, one per averaging round: prepares each worker network once, before its first minibatch.
 *
 * <ul>
 *   <li>Iteration and epoch counts of a {@code ComputationGraph}: DL4J's parameter-averaging worker builds its graph
 *   from {@code ComputationGraphConfiguration.clone()}, which (in 1.0.0-M2.1) drops both counters, so every round
 *   would train as if from iteration 0 — Adam's bias correction and learning-rate schedules restart each round and a
 *   Spark run differs from a single-machine run over the same minibatches. ({@code MultiLayerConfiguration.clone()}
 *   keeps them.) The hook writes the counts the driver broadcast into the worker graph's configuration.</li>
 *   <li>Optionally the plugin's compact gradient layout for the freeze the broadcast configuration carries (see
 *   {@link SpectrumTrainingMaster.Builder#optCompactWorkerGradient}).</li>
 * </ul>
 */
final class WorkerSetup implements TrainingHook {
    private static final long serialVersionUID = 1L;

    private final Integer iterationCount;
    private final Integer epochCount;
    private final boolean compactGradient;
    /** Worker networks already prepared; per deserialized copy, and safe if local threads share one. */
    private transient Set<Model> done;

    /**
     * @param iterationCount  the driver's iteration count to give a worker graph, or null to leave counts alone
     * @param epochCount      the driver's epoch count (with {@code iterationCount})
     * @param compactGradient whether to switch the worker network to the compact gradient
     */
    WorkerSetup(Integer iterationCount, Integer epochCount, boolean compactGradient) {
        this.iterationCount = iterationCount;
        this.epochCount = epochCount;
        this.compactGradient = compactGradient;
    }

    /** Whether the hook has anything to do. */
    boolean needed() {
        return iterationCount != null || compactGradient;
    }

    private synchronized void prepare(Model model) {
        if (done == null) {
            done = Collections.newSetFromMap(new WeakHashMap<>());
        }
        if (!done.add(model)) {
            return;
        }
        if (iterationCount != null && model instanceof ComputationGraph cg) {
            cg.getConfiguration().setIterationCount(iterationCount);
            cg.getConfiguration().setEpochCount(epochCount);
        }
        if (compactGradient) {
            DriverSelection.installCompactGradient(model);
        }
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        prepare(model);
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        prepare(model);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }
}
