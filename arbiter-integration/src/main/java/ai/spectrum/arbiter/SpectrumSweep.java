package ai.spectrum.arbiter;

import ai.spectrum.Provenance;
import org.deeplearning4j.arbiter.optimize.api.CandidateGenerator;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.api.termination.MaxTimeCondition;
import org.deeplearning4j.arbiter.optimize.api.termination.TerminationCondition;
import org.deeplearning4j.arbiter.optimize.config.OptimizationConfiguration;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.LocalOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.BaseStatusListener;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A hyperparameter sweep over Spectrum's settings (and the user's own) run by Arbiter's
 * {@link LocalOptimizationRunner}: grid or random search, terminated by a candidate count and/or a wall-clock limit.
 *
 * <pre>{@code
 * SweepResult result = SpectrumSweep.builder()
 *         .setModelFactory((candidate, seed) -> buildNet(candidate.doubleHyperparameter("learningRate"), seed))
 *         .setTrainingData(() -> trainIterator())
 *         .setValidationData(() -> validationIterator())
 *         .optSpace(SweepSpace.builder()
 *                 .optSpectrum(SpectrumSpace.builder().optTopPercent(Spaces.doubles(25, 50)).build())
 *                 .optHyperparameter("learningRate", Spaces.doubles(1e-3, 1e-2))
 *                 .build())
 *         .optBudget(TrainingBudget.iterations(200))
 *         .build()
 *         .run();
 * }</pre>
 */
public final class SpectrumSweep {
    private static final Logger LOG = LoggerFactory.getLogger(SpectrumSweep.class);

    /** The Arbiter version on the class path, from its Maven metadata. */
    public static final String ARBITER_VERSION = arbiterVersion();

    /** Search strategies. */
    public enum Search {
        /** Arbiter's {@link GridSearchCandidateGenerator}, sequential order. */
        GRID,
        /** Arbiter's {@link RandomSearchGenerator}, seeded. */
        RANDOM
    }

    private final ModelFactory modelFactory;
    private final ListenerFactory listenerFactory;
    private final Supplier<DataSetIterator> trainingData;
    private final Supplier<DataSetIterator> validationData;
    private final SweepSpace space;
    private final SweepScore score;
    private final Search search;
    private final int discretization;
    private final long seed;
    private final int maxCandidates;
    private final Duration maxDuration;
    private final TrainingBudget budget;
    private final int concurrency;

    private SpectrumSweep(Builder b) {
        this.modelFactory = b.modelFactory;
        this.listenerFactory = b.listenerFactory;
        this.trainingData = b.trainingData;
        this.validationData = b.validationData;
        this.space = b.space;
        this.score = b.score;
        this.search = b.search;
        this.discretization = b.discretization;
        this.seed = b.seed;
        this.maxCandidates = b.maxCandidates;
        this.maxDuration = b.maxDuration;
        this.budget = b.budget;
        this.concurrency = b.concurrency;
    }

    /** A builder; see {@link Builder} for what is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The configuration recorded in the result's provenance. */
    public Map<String, String> configuration() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("search", search.name());
        if (search == Search.GRID) {
            m.put("discretization", Integer.toString(discretization));
        }
        m.put("seed", Long.toString(seed));
        m.put("maxCandidates", maxCandidates == Integer.MAX_VALUE ? "none" : Integer.toString(maxCandidates));
        m.put("maxDuration", maxDuration == null ? "none" : maxDuration.toString());
        m.put("budget", budget.toString());
        m.put("score", score.name());
        m.put("concurrency", Integer.toString(concurrency));
        m.put("space", space.toString());
        m.put("modelFactory", modelFactory.getClass().getName());
        m.put("listenerFactory", listenerFactory.getClass().getName());
        m.put("arbiter.version", ARBITER_VERSION);
        return m;
    }

    /**
     * Runs the sweep to termination. Candidate failures are recorded in the result, not thrown.
     *
     * @throws IllegalStateException when the space yields no candidate
     */
    public SweepResult run() {
        Map<Integer, CandidateResult> results = new ConcurrentHashMap<>();
        CandidateGenerator generator = generator();
        List<TerminationCondition> termination = new ArrayList<>();
        int limit = maxCandidates;
        if (generator instanceof GridSearchCandidateGenerator grid) {
            limit = Math.min(limit, grid.getTotalNumCandidates());
        }
        if (limit != Integer.MAX_VALUE) {
            termination.add(new RecordedCandidates(results, limit));
        }
        if (maxDuration != null) {
            termination.add(new MaxTimeCondition(maxDuration.toMillis(), TimeUnit.MILLISECONDS));
        }
        OptimizationConfiguration config = new OptimizationConfiguration.Builder()
                .candidateGenerator(generator)
                .scoreFunction(new ArbiterScore(score))
                .terminationConditions(termination)
                .rngSeed(seed)
                .build();
        SpectrumTaskCreator tasks = new SpectrumTaskCreator(modelFactory, listenerFactory, trainingData,
                validationData, budget, score, seed, r -> results.put(r.index(), r));
        Map<String, String> configuration = configuration();
        LOG.info("Sweep starting: {}", configuration);
        long start = System.nanoTime();
        try (SweepRunner runner = new SweepRunner(concurrency, config, tasks)) {
            runner.addListeners(new GenerationFailures(results));
            runner.execute();
        }
        Duration wallClock = Duration.ofNanos(System.nanoTime() - start);
        SweepResult result = new SweepResult(new ArrayList<>(results.values()), score.name(), score.minimize(),
                wallClock, Provenance.capture(configuration));
        LOG.info("Sweep finished in {} ms: {} completed, {} failed, best {}", wallClock.toMillis(),
                result.completed().size(), result.failed().size(),
                result.best().map(r -> "#" + r.index() + " " + score.name() + "=" + r.score()).orElse("none"));
        return result;
    }

    private CandidateGenerator generator() {
        ParameterSpace<SweepCandidate> s = space;
        CandidateGenerator g = switch (search) {
            case GRID -> new GridSearchCandidateGenerator(s, discretization,
                    GridSearchCandidateGenerator.Mode.Sequential, null);
            case RANDOM -> new RandomSearchGenerator(s, null);
        };
        if (!g.hasMoreCandidates()) {
            throw new IllegalStateException("the sweep space yields no candidate: " + space);
        }
        return g;
    }

    /**
     * Records candidates Arbiter could not generate (e.g. a drawn value out of range): they never reach the task
     * creator, so this is the only place they are seen.
     */
    private static final class GenerationFailures extends BaseStatusListener {
        private final Map<Integer, CandidateResult> results;

        GenerationFailures(Map<Integer, CandidateResult> results) {
            this.results = results;
        }

        @Override
        public void onCandidateStatusChange(CandidateInfo info, IOptimizationRunner runner,
                                            OptimizationResult result) {
            if (info.getCandidateStatus() == CandidateStatus.Failed && result == null
                    && !results.containsKey(info.getIndex())) {
                String trace = info.getExceptionStackTrace() == null ? "unknown" : info.getExceptionStackTrace();
                String reason = "could not generate candidate: " + trace.lines().findFirst().orElse(trace);
                LOG.info("Candidate {} failed: {}", info.getIndex(), reason);
                results.put(info.getIndex(), CandidateResult.failed(info.getIndex(), null, reason, 0, Double.NaN,
                        ResourceUse.NONE));
            }
        }
    }

    /**
     * Stops once {@code limit} candidates have a result. Replaces Arbiter's {@code MaxCandidatesCondition}, which
     * counts only the runner's completed and failed tasks: in 1.0.0-beta7 {@code BaseOptimizationRunner} does not
     * count candidates that failed during generation, so a grid containing one never terminates.
     */
    private record RecordedCandidates(Map<Integer, CandidateResult> results, int limit)
            implements TerminationCondition {
        @Override
        public void initialize(IOptimizationRunner runner) {
        }

        @Override
        public boolean terminate(IOptimizationRunner runner) {
            return results.size() >= limit;
        }

        @Override
        public String toString() {
            return "RecordedCandidates(" + limit + ")";
        }
    }

    private static String arbiterVersion() {
        Properties p = new Properties();
        try (InputStream in = ParameterSpace.class.getResourceAsStream(
                "/META-INF/maven/org.deeplearning4j/arbiter-core/pom.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Arbiter's pom.properties", e);
        }
        return p.getProperty("version", "unknown");
    }

    /**
     * Builder. Required: model factory, training and validation data. A random search also needs
     * {@link #optMaxCandidates} or {@link #optMaxDuration}.
     */
    public static final class Builder {
        private ModelFactory modelFactory;
        private ListenerFactory listenerFactory = ListenerFactory.spectrum();
        private Supplier<DataSetIterator> trainingData;
        private Supplier<DataSetIterator> validationData;
        private SweepSpace space = SweepSpace.builder().build();
        private SweepScore score = SweepScore.validationLoss();
        private Search search = Search.GRID;
        private int discretization = 3;
        private long seed = 42;
        private int maxCandidates = Integer.MAX_VALUE;
        private Duration maxDuration;
        private TrainingBudget budget = TrainingBudget.iterations(100);
        private int concurrency = 1;

        private Builder() {
        }

        /** Builds each candidate's network (required). */
        public Builder setModelFactory(ModelFactory factory) {
            this.modelFactory = factory;
            return this;
        }

        /**
         * Builds each candidate's listener from its settings. Default {@link ListenerFactory#spectrum()}, the
         * Spectrum listener.
         */
        public Builder setListenerFactory(ListenerFactory factory) {
            this.listenerFactory = factory;
            return this;
        }

        /** Fresh training data per candidate (required); must be deterministic for reproducible sweeps. */
        public Builder setTrainingData(Supplier<DataSetIterator> data) {
            this.trainingData = data;
            return this;
        }

        /** Fresh validation data per candidate (required). */
        public Builder setValidationData(Supplier<DataSetIterator> data) {
            this.validationData = data;
            return this;
        }

        /** The space to search. Default: Spectrum's defaults only (one candidate). */
        public Builder optSpace(SweepSpace space) {
            this.space = space;
            return this;
        }

        /** How candidates are scored. Default {@link SweepScore#validationLoss()}. */
        public Builder optScore(SweepScore score) {
            this.score = score;
            return this;
        }

        /**
         * Grid search (the default), with {@code discretization} points for continuous spaces (default 3; discrete
         * spaces use all their values).
         */
        public Builder optGridSearch(int discretization) {
            if (discretization < 2) {
                throw new IllegalArgumentException("discretization must be >= 2, got " + discretization);
            }
            this.search = Search.GRID;
            this.discretization = discretization;
            return this;
        }

        /** Random search (needs {@link #optMaxCandidates} or {@link #optMaxDuration}). Default: grid search. */
        public Builder optRandomSearch() {
            this.search = Search.RANDOM;
            return this;
        }

        /** Seed for the candidate generator, ND4J's RNG and the model factory. Default 42. */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Stop after this many candidates (completed or failed). Default: no limit (grid: the grid size). */
        public Builder optMaxCandidates(int maxCandidates) {
            if (maxCandidates < 1) {
                throw new IllegalArgumentException("maxCandidates must be >= 1, got " + maxCandidates);
            }
            this.maxCandidates = maxCandidates;
            return this;
        }

        /**
         * Start no new candidate after this much time (the running one finishes within its training budget).
         * Default: no limit.
         */
        public Builder optMaxDuration(Duration maxDuration) {
            if (maxDuration == null || maxDuration.isNegative() || maxDuration.isZero()) {
                throw new IllegalArgumentException("maxDuration must be positive, got " + maxDuration);
            }
            this.maxDuration = maxDuration;
            return this;
        }

        /** Per-candidate training budget. Default 100 iterations. */
        public Builder optBudget(TrainingBudget budget) {
            this.budget = budget;
            return this;
        }

        /**
         * Candidates trained at the same time. Default 1; more makes the per-candidate memory figures
         * process-wide.
         */
        public Builder optConcurrency(int concurrency) {
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
            }
            this.concurrency = concurrency;
            return this;
        }

        /**
         * @throws IllegalStateException when a required part is missing, or a random search has no termination
         */
        public SpectrumSweep build() {
            List<String> missing = new ArrayList<>();
            if (modelFactory == null) {
                missing.add("setModelFactory");
            }
            if (listenerFactory == null) {
                missing.add("setListenerFactory (null given)");
            }
            if (trainingData == null) {
                missing.add("setTrainingData");
            }
            if (validationData == null) {
                missing.add("setValidationData");
            }
            if (space == null) {
                missing.add("optSpace (null given)");
            }
            if (score == null) {
                missing.add("optScore (null given)");
            }
            if (budget == null) {
                missing.add("optBudget (null given)");
            }
            if (!missing.isEmpty()) {
                throw new IllegalStateException("SpectrumSweep is missing " + String.join(", ", missing));
            }
            if (search == Search.RANDOM && maxCandidates == Integer.MAX_VALUE && maxDuration == null) {
                throw new IllegalStateException("a random search never runs out of candidates; set optMaxCandidates "
                        + "or optMaxDuration");
            }
            return new SpectrumSweep(this);
        }
    }
}
