package ai.spectrum.spark;

import ai.spectrum.selection.SelectionOptions;
import ai.spectrum.training.SelectionEvent;
import ai.spectrum.selection.SelectionStrategy;
import org.apache.spark.api.java.JavaRDD;
import org.deeplearning4j.core.storage.StatsStorageRouter;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingResult;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingWorker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Spectrum under DL4J's parameter averaging on Spark: selects on the driver, right after averaging, and lets the
 * next broadcast carry the selection.
 *
 * <pre>{@code
 * ParameterAveragingTrainingMaster.Builder averaging = new ParameterAveragingTrainingMaster.Builder(32)
 *         .batchSizePerWorker(32).averagingFrequency(5).saveUpdater(true);
 * SpectrumTrainingMaster master = SpectrumTrainingMaster.builder()
 *         .setAveraging(averaging)
 *         .optTopPercent(25)            // default
 *         .optReselectEveryRounds(10)   // default 1
 *         .build();
 * SparkComputationGraph sparkNet = new SparkComputationGraph(sc, net, master);
 * sparkNet.fit(trainingData);
 * }</pre>
 *
 * <p>Each averaging round of {@link ParameterAveragingTrainingMaster} broadcasts the network configuration, its
 * parameters and its updater state, trains a fresh copy per worker and averages parameters and updater state on the
 * driver. This master adds, on the driver:
 * <ul>
 *   <li>before the first broadcast, the first selection (analysis of the weights, selection, freeze), or the adoption
 *   of the selection a restored network's configuration carries;</li>
 *   <li>after each averaging, the frozen parameters' values from before the round are written back (averaging N
 *   equal values can round when N is not a power of two; see {@link FrozenValues});</li>
 *   <li>whenever the network's iteration count passes a multiple of {@code K × averagingFrequency} (every
 *   {@code K} rounds, counted from the network's own counter so a restored model keeps the schedule), re-analysis
 *   and re-selection of the averaged weights.</li>
 * </ul>
 * The freeze lives in the network configuration (DL4J {@code FrozenLayer} and Spectrum's
 * {@code SelectiveFreezeLayer}), so every worker builds it from the broadcast: frozen parameters get a {@code NoOp}
 * updater with no optimizer state and no gradient, and the broadcast updater state holds trainable parameters only.
 *
 * <p>It also corrects a DL4J 1.0.0-M2.1 worker defect for {@code ComputationGraph}s: workers build their graph from
 * {@code ComputationGraphConfiguration.clone()}, which drops the iteration and epoch counters, so Adam's bias
 * correction and learning-rate schedules would restart every round; a worker-side hook ({@link WorkerSetup}) gives
 * each worker graph the driver's counts.
 *
 * <p>Only weight-based strategies can run on the driver (gradient and activation norms exist on the workers only).
 * DL4J's gradient-sharing {@code SharedTrainingMaster} is not supported: it has no averaging rounds, and its
 * executors keep their model, updater and residuals between {@code fit} calls, so a selection changed on the driver
 * would not reach them. A network that already carries a Spectrum selection should train with that fixed selection
 * under any training master, since the freeze is part of its configuration (not tested with gradient sharing).
 *
 * <p>Like its parent, this master stays on the driver (Spark ships only the workers it creates); not thread-safe.
 */
public final class SpectrumTrainingMaster extends ParameterAveragingTrainingMaster {
    private static final Logger LOG = LoggerFactory.getLogger(SpectrumTrainingMaster.class);

    private final transient DriverSelection selection;
    private final int reselectEveryRounds;
    private final boolean compactWorkerGradient;
    private long restoredElements;
    private long driverNanos;

    private SpectrumTrainingMaster(Builder b) {
        super(b.averaging);
        this.reselectEveryRounds = b.reselectEveryRounds;
        this.compactWorkerGradient = b.compactWorkerGradient;
        this.selection = new DriverSelection(b.selection.strategy(1), b.selection.topPercent(),
                b.selection.minSnr(), b.selection.alwaysTrain(), b.selection.seed());
    }

    /** A builder; {@link Builder#setAveraging} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Every selection made on the driver so far, oldest first (an adopted selection is not an event). */
    public List<SelectionEvent> history() {
        return selection.history();
    }

    /** The modules trained from the next round on (empty before the first selection). */
    public Set<String> trainableModules() {
        return selection.trainableModules();
    }

    /** Re-selection interval in averaging rounds. */
    public int reselectEveryRounds() {
        return reselectEveryRounds;
    }

    /**
     * Frozen parameter elements whose averaged value differed from the value before the round and was written back,
     * summed over all rounds; 0 when averaging kept every frozen value (e.g. with a power-of-two worker count).
     */
    public long restoredFrozenElements() {
        return restoredElements;
    }

    /** Wall time spent on Spectrum's driver-side work (selection, freeze, frozen-value copies), in nanoseconds. */
    long driverNanos() {
        return driverNanos;
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkDl4jMultiLayer network) {
        long t0 = System.nanoTime();
        selection.ensureSelected(network.getNetwork());
        driverNanos += System.nanoTime() - t0;
        return withWorkerSetup(new WorkerSetup(null, null, compactWorkerGradient),
                () -> super.getWorkerInstance(network));
    }

    @Override
    public ParameterAveragingTrainingWorker getWorkerInstance(SparkComputationGraph graph) {
        long t0 = System.nanoTime();
        selection.ensureSelected(graph.getNetwork());
        driverNanos += System.nanoTime() - t0;
        ComputationGraphConfiguration conf = graph.getNetwork().getConfiguration();
        return withWorkerSetup(new WorkerSetup(conf.getIterationCount(), conf.getEpochCount(), compactWorkerGradient),
                () -> super.getWorkerInstance(graph));
    }

    /**
     * Creates a worker whose hook list starts with this round's {@link WorkerSetup} (so user hooks see the counts and
     * the layout the worker trains with); the worker keeps that list, the master's own list is left as it was.
     */
    private ParameterAveragingTrainingWorker withWorkerSetup(WorkerSetup setup,
                                                             Supplier<ParameterAveragingTrainingWorker> create) {
        if (!setup.needed()) {
            return create.get();
        }
        Collection<TrainingHook> userHooks = trainingHookList;
        List<TrainingHook> hooks = new ArrayList<>();
        hooks.add(setup);
        if (userHooks != null) {
            hooks.addAll(userHooks);
        }
        trainingHookList = hooks;
        try {
            return create.get();
        } finally {
            trainingHookList = userHooks;
        }
    }

    @Override
    protected void processResults(SparkDl4jMultiLayer network, SparkComputationGraph graph,
                                  JavaRDD<ParameterAveragingTrainingResult> results, int splitNum, int totalSplits) {
        Model net = network != null ? network.getNetwork() : graph.getNetwork();
        long t0 = System.nanoTime();
        FrozenValues frozen = DriverSelection.snapshotFrozen(net);
        long before = iterationCount(net);
        driverNanos += System.nanoTime() - t0;
        super.processResults(network, graph, results, splitNum, totalSplits);
        long t1 = System.nanoTime();
        long restored = frozen.restore();
        restoredElements += restored;
        if (restored > 0) {
            LOG.debug("Spectrum restored {} of {} frozen parameter elements after averaging", restored,
                    frozen.elements());
        }
        long period = (long) reselectEveryRounds * averagingFrequency;
        long after = iterationCount(net);
        if (after / period > before / period) {
            selection.reselect(net);
        }
        driverNanos += System.nanoTime() - t1;
    }

    @Override
    public void setListeners(StatsStorageRouter statsStorage, Collection<TrainingListener> listeners) {
        DriverSelection.rejectWorkerSideSpectrum(listeners);
        super.setListeners(statsStorage, listeners);
    }

    private static long iterationCount(Model net) {
        if (net instanceof ComputationGraph cg) {
            return cg.getConfiguration().getIterationCount();
        }
        return ((MultiLayerNetwork) net).getLayerWiseConfigurations().getIterationCount();
    }

    /** Validating builder for {@link SpectrumTrainingMaster}; every option has a documented default. */
    public static final class Builder {
        private ParameterAveragingTrainingMaster.Builder averaging;
        private int reselectEveryRounds = 1;
        private final SelectionOptions selection = new SelectionOptions(); // default strategy: snr() (one thread)
        private boolean compactWorkerGradient;

        private Builder() {
        }

        /**
         * DL4J's parameter-averaging settings (workers, batch size per worker, averaging frequency, updater
         * averaging, …); required. Set {@code saveUpdater(true)} for the optimizer state to be averaged and carried
         * across rounds: the builder's default is false (each round then starts from the driver's initial state).
         */
        public Builder setAveraging(ParameterAveragingTrainingMaster.Builder averaging) {
            this.averaging = Objects.requireNonNull(averaging, "averaging");
            return this;
        }

        /** Re-select after every {@code k} averaging rounds, k ≥ 1; default 1. */
        public Builder optReselectEveryRounds(int k) {
            if (k < 1) {
                throw new IllegalArgumentException("re-selection interval must be ≥ 1 averaging round, got " + k);
            }
            this.reselectEveryRounds = k;
            return this;
        }

        /** Percentage of each module type to train, in (0, 100]; default 25. */
        public Builder optTopPercent(double percent) {
            selection.topPercent(percent);
            return this;
        }

        /** Modules with an SNR below this are not selected by rank (SNR strategy only); default none. */
        public Builder optMinSnr(double minSnr) {
            selection.minSnr(minSnr);
            return this;
        }

        /** Regular expressions over module names that always train; default none. */
        public Builder optAlwaysTrain(String... patterns) {
            selection.alwaysTrain(patterns);
            return this;
        }

        /**
         * How modules are scored; default {@link SelectionStrategy#snr()}. Must score from weights alone (snr,
         * random, firstK, lastK, lisa).
         */
        public Builder optStrategy(SelectionStrategy strategy) {
            selection.strategy(strategy);
            return this;
        }

        /** Seed for the random and LISA strategies; default 42. */
        public Builder optSeed(long seed) {
            selection.seed(seed);
            return this;
        }

        /**
         * Whether each worker trains with Spectrum's compact gradient (gradient memory only for layers that write
         * gradients, updater and optimizer step over trainable parameters only) instead of DL4J's plain updater
         * over the full-size gradient array; default false. Trained values are bit-identical either way; on saves
         * each executor the frozen layers' gradient memory, at the cost of rebuilding the updater once per worker
         * and round.
         */
        public Builder optCompactWorkerGradient(boolean compact) {
            this.compactWorkerGradient = compact;
            return this;
        }

        /**
         * Builds the master.
         *
         * @throws IllegalStateException    without {@link #setAveraging}
         * @throws IllegalArgumentException for a strategy that needs gradients or activations, or an invalid
         *                                  always-train pattern
         */
        public SpectrumTrainingMaster build() {
            if (averaging == null) {
                throw new IllegalStateException("setAveraging(ParameterAveragingTrainingMaster.Builder) is required");
            }
            return new SpectrumTrainingMaster(this);
        }
    }
}
