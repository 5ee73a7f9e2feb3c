package ai.spectrum.arbiter;

import ai.spectrum.dl4j.Dl4jNetwork;
import org.apache.commons.lang3.exception.ExceptionUtils;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.StatusListener;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Arbiter {@link TaskCreator} that trains one candidate: builds the user's network with the {@link ModelFactory},
 * attaches the Spectrum listener made by the {@link ListenerFactory}, trains under the {@link TrainingBudget}, and
 * scores on fresh validation data with the {@link SweepScore}.
 *
 * <p>A candidate never fails the sweep: an exception, a non-finite training loss or a non-finite score is returned
 * to Arbiter as a {@link CandidateStatus#Failed} result with its reason, and reported to the result sink as a failed
 * {@link CandidateResult}. Arbiter's own data-source and score-function arguments are ignored: the data and score
 * given here are used instead (Arbiter's runner only asks its score function which direction is better).
 */
@SuppressWarnings({"rawtypes", "deprecation"}) // Arbiter's TaskCreator API: raw Candidate, deprecated DataProvider
public final class SpectrumTaskCreator implements TaskCreator {
    private static final Logger LOG = LoggerFactory.getLogger(SpectrumTaskCreator.class);

    private final ModelFactory modelFactory;
    private final ListenerFactory listenerFactory;
    private final Supplier<DataSetIterator> trainingData;
    private final Supplier<DataSetIterator> validationData;
    private final TrainingBudget budget;
    private final SweepScore score;
    private final long seed;
    private final Consumer<CandidateResult> sink;

    /**
     * @param sink receives every candidate's result, from the runner's worker threads
     */
    public SpectrumTaskCreator(ModelFactory modelFactory, ListenerFactory listenerFactory,
                               Supplier<DataSetIterator> trainingData, Supplier<DataSetIterator> validationData,
                               TrainingBudget budget, SweepScore score, long seed, Consumer<CandidateResult> sink) {
        this.modelFactory = Objects.requireNonNull(modelFactory, "modelFactory");
        this.listenerFactory = Objects.requireNonNull(listenerFactory, "listenerFactory");
        this.trainingData = Objects.requireNonNull(trainingData, "trainingData");
        this.validationData = Objects.requireNonNull(validationData, "validationData");
        this.budget = Objects.requireNonNull(budget, "budget");
        this.score = Objects.requireNonNull(score, "score");
        this.seed = seed;
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    @Override
    @Deprecated
    public Callable<OptimizationResult> create(Candidate candidate, DataProvider dataProvider,
                                               ScoreFunction scoreFunction, List<StatusListener> statusListeners,
                                               IOptimizationRunner runner) {
        return () -> run(candidate);
    }

    @Override
    public Callable<OptimizationResult> create(Candidate candidate, Class<? extends DataSource> dataSource,
                                               Properties dataSourceProperties, ScoreFunction scoreFunction,
                                               List<StatusListener> statusListeners, IOptimizationRunner runner) {
        return () -> run(candidate);
    }

    /** Trains and scores one candidate; never throws, whatever the candidate does. */
    OptimizationResult run(Candidate<?> candidate) {
        long created = System.currentTimeMillis();
        long start = System.nanoTime();
        int index = candidate.getIndex();
        SweepCandidate config = null;
        CandidateMonitor monitor = new CandidateMonitor();
        BudgetedIterator train = null;
        Model model = null;
        Dl4jNetwork net = null;
        CandidateResult result;
        String stackTrace = null;
        try {
            Object value = candidate.getValue();
            if (!(value instanceof SweepCandidate c)) {
                throw new IllegalArgumentException("candidate " + index + " is not a SweepCandidate but "
                        + (value == null ? "null" : value.getClass().getName()) + "; use a SweepSpace");
            }
            config = c;
            LOG.info("Candidate {}: {}", index, config.asMap());
            Nd4j.getRandom().setSeed(seed);
            model = modelFactory.create(config, seed);
            net = Dl4jNetwork.of(model);
            TrainingListener spectrum = listenerFactory.create(config.spectrum(), seed);
            net.addListeners(spectrum, monitor);
            train = new BudgetedIterator(trainingData.get(), budget, monitor::failed, start);
            while (!train.finished()) {
                long before = train.delivered();
                train.reset();
                net.fit(train);
                if (train.delivered() == before || !train.resetSupported()) {
                    break;
                }
            }
            if (train.delivered() == 0) {
                throw new IllegalStateException("the training data delivered no minibatch");
            }
            if (monitor.failed()) {
                result = failed(index, config, monitor.failure(), train, monitor, resources(start, monitor, net));
            } else {
                long stateBytes = net.updaterStateBytes();
                double s = score.score(model, validationData.get());
                ResourceUse used = new ResourceUse(elapsed(start), monitor.peakHeap(), monitor.peakRss(), stateBytes);
                if (Double.isFinite(s)) {
                    result = CandidateResult.completed(index, config, s, train.delivered(), monitor.lastLoss(), used);
                } else {
                    result = failed(index, config, score.name() + " is " + s, train, monitor, used);
                }
            }
        } catch (Exception | Error e) {
            // errors too (e.g. OutOfMemoryError on a too-large candidate): a throwing task would leave Arbiter's
            // runner without a result for it, and the network is released below
            LOG.warn("Candidate {} failed", index, e);
            stackTrace = ExceptionUtils.getStackTrace(e);
            result = failed(index, config, describe(e), train, monitor, resources(start, monitor, net));
        } finally {
            if (model != null) {
                try {
                    model.close();
                } catch (RuntimeException e) {
                    LOG.warn("Candidate {}: closing the network failed", index, e);
                }
            }
        }
        if (result.isCompleted()) {
            LOG.info("Candidate {}: {} = {} after {} iterations in {} ms", index, score.name(), result.score(),
                    result.iterations(), result.resources().wallClock().toMillis());
        } else {
            LOG.info("Candidate {} failed: {}", index, result.failure().orElseThrow());
        }
        sink.accept(result);
        CandidateInfo info = new CandidateInfo(index,
                result.isCompleted() ? CandidateStatus.Complete : CandidateStatus.Failed,
                result.isCompleted() ? result.score() : null, created, created, System.currentTimeMillis(),
                candidate.getFlatParameters(),
                result.isCompleted() ? null : (stackTrace != null ? stackTrace : result.failure().orElseThrow()));
        return new OptimizationResult(candidate, info.getScore(), index, null, info, null);
    }

    private static CandidateResult failed(int index, SweepCandidate config, String reason, BudgetedIterator train,
                                          CandidateMonitor monitor, ResourceUse used) {
        return CandidateResult.failed(index, config, reason, train == null ? 0 : train.delivered(),
                monitor.lastLoss(), used);
    }

    /** Resources of a failed candidate; the updater state is only read when it is safe to. */
    private static ResourceUse resources(long start, CandidateMonitor monitor, Dl4jNetwork net) {
        long state = 0;
        if (net != null) {
            try {
                state = net.updaterStateBytes();
            } catch (RuntimeException e) {
                LOG.debug("updater state unavailable", e);
            }
        }
        return new ResourceUse(elapsed(start), monitor.peakHeap(), monitor.peakRss(), state);
    }

    private static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    /** The exception and its causes, one line. */
    static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- caused by ");
            }
            sb.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) {
                sb.append(": ").append(t.getMessage().strip().replaceAll("\\s+", " "));
            }
        }
        return sb.toString();
    }
}
