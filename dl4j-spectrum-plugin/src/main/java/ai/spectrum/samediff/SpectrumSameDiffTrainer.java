package ai.spectrum.samediff;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.SnrRule;
import ai.spectrum.selection.Selection;
import ai.spectrum.selection.SelectionOptions;
import ai.spectrum.selection.SpectrumSelector;
import ai.spectrum.training.ReselectionSchedule;
import ai.spectrum.selection.SelectionContext;
import ai.spectrum.training.SelectionEvent;
import ai.spectrum.selection.SelectionStrategy;
import org.nd4j.autodiff.listeners.Listener;
import org.nd4j.autodiff.listeners.Loss;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Spectrum for SameDiff: trains only the best-scoring modules of a {@link SameDiff} graph and freezes the rest,
 * re-selecting on a schedule — the same configuration, strategies and {@link SelectionEvent history} as
 * {@code SpectrumListener} for DL4J networks.
 *
 * <pre>{@code
 * SpectrumSameDiffTrainer spectrum = SpectrumSameDiffTrainer.builder()
 *         .optTopPercent(25)                 // top 25% of each module type (default)
 *         .optReselectEveryIterations(200)   // default: every epoch
 *         .build();
 * sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(1e-3)).dataSetFeatureMapping("in")
 *         .dataSetLabelMapping("label").build());
 * spectrum.fit(sd, trainIterator, 3);        // instead of sd.fit(trainIterator, 3)
 * spectrum.save(sd, Path.of("model.sd"));    // graph with updater state + model.sd.spectrum.json
 * }</pre>
 *
 * <p><b>How freezing works.</b> A frozen variable is converted to a constant ({@code SameDiff.convertToConstants}):
 * it is never updated, has no updater state (its state is dropped) and no regularization, and the rebuilt gradient
 * function stops backprop below the lowest trained variable. Limit: an op that is still on the backprop path (because
 * another input needs a gradient) computes the gradient of its frozen inputs too, and SameDiff discards it. A
 * re-trained variable is converted back with fresh zero optimizer state; variables that stay trainable keep theirs.
 * Modules are found by {@link SameDiffModules} with the {@link Builder#optModules naming}; a module's vectors follow
 * its matrix.
 *
 * <p><b>Why a driver and not a listener.</b> SameDiff fixes the trainable set, the gradient function and the
 * training session once at the start of {@code fit}; converting variables from a {@code Listener} during {@code fit}
 * fails at the next iteration ("No updater found for variable"). So this class drives training one minibatch at a time
 * with SameDiff's own {@code sd.fit(MultiDataSet, listeners)} and converts variables between those calls. Each
 * conversion invalidates SameDiff's gradient function and sessions; the trainer rebuilds the gradient function
 * right away and reports the time ({@link #gradientRebuildNanos()}). Because a re-selection may fall inside an
 * epoch, {@link #fit(SameDiff, MultiDataSetIterator, int, Listener...)} counts epochs itself (it increments the
 * graph's epoch counter after each pass); listeners passed to it get the per-iteration callbacks of
 * {@code sd.fit(MultiDataSet)}, not SameDiff's epoch callbacks or validation evaluations.
 *
 * <p><b>Saving.</b> A frozen variable is saved as an ordinary constant, so {@link #save} writes the graph with its
 * updater state ({@code sd.save(file, true)}) plus a side file {@code <file>.spectrum.json} (see
 * {@link #stateFile(Path)}) with the variables Spectrum manages, the selection, the last scores and observations, the
 * counters and the history. {@link #load} reads both and resumes: same frozen set, same schedule (counts are
 * absolute), bit-identical continuation. A graph loaded with {@code SameDiff.load} alone is treated as a new graph
 * whose constants are not Spectrum's.
 *
 * <p>Every selection is kept in {@link #history()} (its {@code frozenLayers} are the frozen modules, all of them
 * constants); each one that changes the trainable set is logged as one INFO line. Instances are not thread-safe; one trainer trains one graph at a time (giving it another graph starts anew).
 */
public final class SpectrumSameDiffTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SpectrumSameDiffTrainer.class);
    private static final String STATE_SUFFIX = ".spectrum.json";

    private final double topPercent;
    private final ReselectionSchedule schedule;
    private final double minSnr;
    private final SelectionStrategy strategy;
    private final long seed;
    private final ModuleNaming naming;
    private final SpectrumSelector selector;

    private final List<SelectionEvent> history = new CopyOnWriteArrayList<>();
    private final Map<String, Double> gradientNorms = new HashMap<>();
    private final Map<String, Double> activationNorms = new HashMap<>();
    private SameDiff attached;
    private SameDiffModules modules;
    private Set<String> selected = Set.of();
    private boolean hasSelection;
    private Map<String, Double> lastScores = Map.of();
    private long selectionNanos;
    private long rebuildNanos;

    private SpectrumSameDiffTrainer(Builder b) {
        this.topPercent = b.selection.topPercent();
        this.schedule = b.schedule != null ? b.schedule : ReselectionSchedule.everyEpochs(1);
        this.minSnr = b.selection.minSnr();
        this.strategy = b.selection.strategy(Runtime.getRuntime().availableProcessors());
        this.seed = b.selection.seed();
        this.naming = b.naming;
        this.selector = b.selection.selector();
    }

    /** A builder with the defaults: SNR strategy, top 25% per type, re-selection every epoch. */
    public static Builder builder() {
        return new Builder();
    }

    /** The side file {@link #save} writes next to a graph file: {@code <file>.spectrum.json}. */
    public static Path stateFile(Path graphFile) {
        return graphFile.resolveSibling(graphFile.getFileName() + STATE_SUFFIX);
    }

    /** Every selection made so far, oldest first; unmodifiable, never null. */
    public List<SelectionEvent> history() {
        return Collections.unmodifiableList(history);
    }

    /** The modules currently trained (empty before the first selection). */
    public Set<String> selected() {
        return selected;
    }

    /** The modules of the graph being trained; empty before the trainer first sees a graph. */
    public java.util.Optional<SameDiffModules> modules() {
        return java.util.Optional.ofNullable(modules);
    }

    /** Total wall time spent selecting, converting and rebuilding the gradient function, in nanoseconds. */
    public long selectionNanos() {
        return selectionNanos;
    }

    /** The part of {@link #selectionNanos()} spent rebuilding SameDiff's gradient function after conversions. */
    public long gradientRebuildNanos() {
        return rebuildNanos;
    }

    /** The re-selection schedule. */
    public ReselectionSchedule schedule() {
        return schedule;
    }

    /** The strategy. */
    public SelectionStrategy strategy() {
        return strategy;
    }

    /**
     * Selects and applies the freeze now, outside {@code fit}.
     *
     * @return the event recorded
     * @throws IllegalStateException    if the graph has no {@code TrainingConfig}, the selection would train nothing,
     *                                  or the strategy has no observations yet
     * @throws IllegalArgumentException if the graph has no trainable variable of rank ≥ 2, or an always-train
     *                                  pattern matches no module
     */
    public SelectionEvent selectNow(SameDiff sd) {
        attach(sd);
        return select(config().getIterationCount());
    }

    /**
     * One training iteration on one minibatch ({@code sd.fit(batch, listeners)}): selects first if nothing is selected
     * yet (strategies that need observations select after this iteration instead), and re-selects afterwards when an
     * iteration schedule is due.
     *
     * @return the iteration's loss
     * @throws IllegalStateException    if the graph has no {@code TrainingConfig}
     * @throws IllegalArgumentException if the graph has no trainable variable of rank ≥ 2
     */
    public Loss fit(SameDiff sd, MultiDataSet batch, Listener... listeners) {
        attach(sd);
        Objects.requireNonNull(batch, "batch");
        if (!hasSelection && canSelect()) {
            select(config().getIterationCount());
        }
        StepObserver observer = new StepObserver(modules.weights(), strategy.needsGradients(),
                strategy.needsActivations(), gradientNorms, activationNorms);
        Listener[] all = new Listener[listeners.length + 1];
        all[0] = observer;
        System.arraycopy(listeners, 0, all, 1, listeners.length);
        sd.fit(batch, all);
        int done = config().getIterationCount(); // SameDiff counted this iteration
        if (!hasSelection) {
            if (canSelect()) {
                select(done);
            }
        } else if (schedule.dueAfterIteration(done - 1)) {
            select(done);
        }
        return observer.lastLoss();
    }

    /**
     * Trains for {@code epochs} passes over the data, one {@link #fit(SameDiff, MultiDataSet, Listener...)} per
     * minibatch, incrementing the graph's epoch counter after each pass and re-selecting when an epoch schedule is due.
     *
     * @throws IllegalArgumentException if {@code epochs < 1}
     * @throws IllegalStateException    if more than one pass is asked of an iterator that cannot reset
     */
    public void fit(SameDiff sd, MultiDataSetIterator data, int epochs, Listener... listeners) {
        Objects.requireNonNull(data, "data");
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be ≥ 1, got " + epochs);
        }
        attach(sd);
        for (int e = 0; e < epochs; e++) {
            if (e > 0 || !data.hasNext()) {
                if (!data.resetSupported()) {
                    throw new IllegalStateException("the iterator cannot reset, so it cannot be trained on for "
                            + epochs + " epochs");
                }
                data.reset();
            }
            while (data.hasNext()) {
                fit(sd, data.next(), listeners);
            }
            config().incrementEpochCount();
            if (hasSelection && schedule.dueAfterEpoch(config().getEpochCount() - 1)) {
                select(config().getIterationCount());
            }
        }
    }

    /** As {@link #fit(SameDiff, MultiDataSetIterator, int, Listener...)} for single-input, single-label data. */
    public void fit(SameDiff sd, DataSetIterator data, int epochs, Listener... listeners) {
        fit(sd, new MultiDataSetIteratorAdapter(Objects.requireNonNull(data, "data")), epochs, listeners);
    }

    /**
     * Saves the graph with its updater state ({@code sd.save(file, true)}) and this trainer's state to
     * {@link #stateFile(Path)}.
     *
     * @throws IllegalStateException if this trainer has made no selection on this graph
     */
    public void save(SameDiff sd, Path file) throws IOException {
        Objects.requireNonNull(file, "file");
        if (sd != attached || !hasSelection) {
            throw new IllegalStateException("this trainer has not selected modules of this graph yet: call selectNow "
                    + "or fit before save");
        }
        sd.save(file.toFile(), true);
        new SavedSelection(SavedSelection.FORMAT, List.copyOf(modules.variables()), List.copyOf(selected),
                lastScores, gradientNorms, activationNorms, config().getIterationCount(), config().getEpochCount(),
                List.copyOf(history)).write(stateFile(file));
    }

    /**
     * Loads a graph saved by {@link #save} (with updater state) and resumes its Spectrum training: the same modules
     * are trained, the history and observations continue. The trainer must be configured as the one that saved it
     * (the module naming cannot be saved).
     *
     * @throws IOException              if a file is missing or unreadable
     * @throws IllegalArgumentException if the state does not fit the graph (another graph, or another naming)
     */
    public SameDiff load(Path file) throws IOException {
        Path state = stateFile(file);
        if (!Files.isRegularFile(state)) {
            throw new IOException("no Spectrum state file '" + state + "' next to '" + file
                    + "': save with SpectrumSameDiffTrainer.save, or load with SameDiff.load to start anew");
        }
        SavedSelection saved = SavedSelection.read(state);
        SameDiff sd = SameDiff.load(file.toFile(), true);
        if (sd.getTrainingConfig() == null) {
            throw new IllegalArgumentException("'" + file + "' has no TrainingConfig: it was not saved for training");
        }
        SameDiffModules m;
        try {
            m = SameDiffModules.of(sd, naming, saved.managed());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the Spectrum state '" + state + "' does not fit the graph: "
                    + e.getMessage(), e);
        }
        Set<String> trainVars;
        try {
            trainVars = m.variablesOf(saved.selected());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the Spectrum state '" + state + "' names modules this trainer's naming "
                    + "does not produce: " + e.getMessage(), e);
        }
        for (String v : m.variables()) {
            boolean trainable = sd.getVariable(v).getVariableType() == VariableType.VARIABLE;
            if (trainable != trainVars.contains(v)) {
                throw new IllegalArgumentException("the Spectrum state '" + state + "' does not fit the graph: "
                        + "variable '" + v + "' is " + (trainable ? "trainable" : "a constant") + " in the graph");
            }
        }
        reset(sd, m);
        selected = Collections.unmodifiableSet(new LinkedHashSet<>(saved.selected()));
        hasSelection = true;
        lastScores = saved.lastScores() == null ? Map.of() : new LinkedHashMap<>(saved.lastScores());
        if (saved.gradientNorms() != null) {
            gradientNorms.putAll(saved.gradientNorms());
        }
        if (saved.activationNorms() != null) {
            activationNorms.putAll(saved.activationNorms());
        }
        if (saved.history() != null) {
            history.addAll(saved.history());
        }
        TrainingConfig c = sd.getTrainingConfig();
        c.setIterationCount(saved.iteration());
        c.setEpochCount(saved.epoch());
        LOG.info("Spectrum resumes '{}' at iteration {}: {} of {} modules trainable", file, saved.iteration(),
                selected.size(), m.weights().entries().size());
        return sd;
    }

    private TrainingConfig config() {
        return attached.getTrainingConfig();
    }

    private void attach(SameDiff sd) {
        Objects.requireNonNull(sd, "sd");
        if (sd == attached) {
            return;
        }
        if (sd.getTrainingConfig() == null) {
            throw new IllegalStateException("the SameDiff graph has no TrainingConfig: call sd.setTrainingConfig(...) "
                    + "with the updater, regularization and data mappings before Spectrum training");
        }
        reset(sd, SameDiffModules.of(sd, naming));
    }

    private void reset(SameDiff sd, SameDiffModules m) {
        attached = sd;
        modules = m;
        history.clear();
        gradientNorms.clear();
        activationNorms.clear();
        selected = Set.of();
        hasSelection = false;
        lastScores = Map.of();
    }

    private boolean canSelect() {
        int n = modules.weights().entries().size();
        return (!strategy.needsGradients() || gradientNorms.size() >= n)
                && (!strategy.needsActivations() || activationNorms.size() >= n);
    }

    private SelectionEvent select(int iteration) {
        long t0 = System.nanoTime();
        int epoch = config().getEpochCount();
        NetworkWeights weights = modules.weights();
        Map<String, Double> frozenScores = new HashMap<>();
        lastScores.forEach((module, score) -> {
            if (hasSelection && !selected.contains(module)) {
                frozenScores.put(module, score); // a constant since: bit-identical weights, same score
            }
        });
        SelectionStrategy.Choice choice = strategy.choose(new SelectionContext(weights, iteration, epoch, seed,
                gradientNorms, activationNorms, frozenScores));
        Map<String, Double> scores = new LinkedHashMap<>();
        List<ModuleScore> ranked = new ArrayList<>();
        for (NetworkWeights.Entry e : weights.entries()) {
            Double s = choice.scores().get(e.info().name());
            if (s == null) {
                throw new IllegalStateException("strategy '" + strategy.name() + "' gave no score for module '"
                        + e.info().name() + "'");
            }
            scores.put(e.info().name(), s);
            ranked.add(ModuleScore.ofValue(e.info().name(), e.info().type(), s));
        }
        Selection selection = selector.select(ranked);
        Set<String> chosen = new LinkedHashSet<>();
        Set<String> frozen = new LinkedHashSet<>();
        for (String module : scores.keySet()) {
            (selection.isTrainable(module) || choice.forced().contains(module) ? chosen : frozen).add(module);
        }
        if (chosen.isEmpty()) {
            throw new IllegalStateException("Spectrum selected no module to train: the top " + topPercent + "% of "
                    + "each module type rounds down to zero modules (or none passed the minimum SNR) among "
                    + weights.entries().size() + " modules of " + typeCount(weights) + " types; raise optTopPercent, "
                    + "add optAlwaysTrain patterns, or group modules into types with optModules");
        }
        int converted = apply(modules.variablesOf(chosen));
        long nanos = System.nanoTime() - t0;
        selectionNanos += nanos;
        boolean changed = !hasSelection || !chosen.equals(selected);
        SelectionEvent event = new SelectionEvent(iteration, epoch, strategy.name(), scores, chosen, frozen, nanos);
        history.add(event);
        if (changed) {
            LOG.info("Spectrum {} selection at iteration {} (epoch {}): training {} of {} modules; {} variables "
                            + "converted, {} ms", strategy.name(), iteration, epoch, chosen.size(),
                    weights.entries().size(), converted, nanos / 1_000_000);
        } else {
            LOG.debug("Spectrum re-selection at iteration {} kept the same {} modules", iteration, chosen.size());
        }
        selected = Collections.unmodifiableSet(chosen);
        lastScores = scores;
        hasSelection = true;
        return event;
    }

    /** Converts variables so that exactly {@code trainVars} of the managed ones are trainable; returns how many. */
    private int apply(Set<String> trainVars) {
        List<SDVariable> toConstants = new ArrayList<>();
        List<SDVariable> toVariables = new ArrayList<>();
        for (String name : modules.variables()) {
            SDVariable v = attached.getVariable(name);
            boolean trainable = v.getVariableType() == VariableType.VARIABLE;
            if (trainable && !trainVars.contains(name)) {
                toConstants.add(v);
            } else if (!trainable && trainVars.contains(name)) {
                toVariables.add(v);
            }
        }
        attached.convertToConstants(toConstants);
        attached.convertToVariables(toVariables);
        if ((!toConstants.isEmpty() || !toVariables.isEmpty()) && !attached.getLossVariables().isEmpty()) {
            long t0 = System.nanoTime();
            attached.createGradFunction(); // what the next sd.fit would do; done here to measure it
            rebuildNanos += System.nanoTime() - t0;
        }
        return toConstants.size() + toVariables.size();
    }

    private static long typeCount(NetworkWeights weights) {
        Set<String> types = new HashSet<>();
        weights.entries().forEach(e -> types.add(e.info().type()));
        return types.size();
    }

    /**
     * Validating builder for {@link SpectrumSameDiffTrainer}; every option has a documented default, and
     * {@link #build()} rejects contradictory options.
     */
    public static final class Builder {
        private final SelectionOptions selection = new SelectionOptions();
        private ReselectionSchedule schedule;
        private ModuleNaming naming = ModuleNaming.byPath();

        private Builder() {
        }

        /** Percentage of each module type to train, in (0, 100]; default 25. */
        public Builder optTopPercent(double percent) {
            selection.topPercent(percent);
            return this;
        }

        /** Re-select after every {@code n} iterations (n ≥ 1); default: every epoch. Not with epochs. */
        public Builder optReselectEveryIterations(int n) {
            return schedule(ReselectionSchedule.everyIterations(n));
        }

        /** Re-select after every {@code n} epochs (n ≥ 1); default 1. Not with iterations. */
        public Builder optReselectEveryEpochs(int n) {
            return schedule(ReselectionSchedule.everyEpochs(n));
        }

        private Builder schedule(ReselectionSchedule s) {
            if (schedule != null && schedule.unit() != s.unit()) {
                throw new IllegalArgumentException("choose one re-selection schedule: every " + schedule.interval()
                        + " " + schedule.unit().name().toLowerCase() + " was already set, now every " + s.interval()
                        + " " + s.unit().name().toLowerCase());
            }
            this.schedule = s;
            return this;
        }

        /** SNR rule of the default SNR strategy; default {@link SnrRule#CURRENT}. Not with optStrategy. */
        public Builder optRule(SnrRule rule) {
            selection.rule(rule);
            return this;
        }

        /** Modules with an SNR below this are not selected by rank; SNR strategies only; default none. */
        public Builder optMinSnr(double minSnr) {
            selection.minSnr(minSnr);
            return this;
        }

        /**
         * Regular expressions over module names that always train; each must match a module (checked at the first
         * selection). Default none.
         */
        public Builder optAlwaysTrain(String... patterns) {
            selection.alwaysTrain(patterns);
            return this;
        }

        /** How modules are scored; default {@link SelectionStrategy#snr(SnrRule, int)} with the rule and threads. */
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
         * Threads for the default SNR strategy's analyzer, ≥ 1; default the number of available processors, as the
         * listener's (results do not depend on it). Not with optStrategy.
         */
        public Builder optAnalyzerThreads(int threads) {
            selection.analyzerThreads(threads);
            return this;
        }

        /** Which module and type each variable belongs to; default {@link ModuleNaming#byPath()}. */
        public Builder optModules(ModuleNaming naming) {
            this.naming = Objects.requireNonNull(naming, "naming");
            return this;
        }

        /**
         * Builds the trainer.
         *
         * @throws IllegalArgumentException for an invalid always-train pattern, optRule or optAnalyzerThreads together
         *                                  with optStrategy (they configure the default strategy only), or a minimum
         *                                  SNR with a strategy whose scores are not SNRs
         */
        public SpectrumSameDiffTrainer build() {
            // both checks fail only when a strategy was set, so strategy(…) below is that strategy
            if (!selection.ignoredByStrategy().isEmpty()) {
                throw new IllegalArgumentException("optRule and optAnalyzerThreads configure the default SNR strategy;"
                        + " with optStrategy(" + selection.strategy(1).name() + ") configure the strategy itself,"
                        + " e.g. SelectionStrategy.snr(rule, threads)");
            }
            if (selection.minSnrWithoutSnrScores()) {
                throw new IllegalArgumentException("optMinSnr(" + selection.minSnr() + ") needs SNR scores, but "
                        + "strategy '" + selection.strategy(1).name() + "' does not score by SNR");
            }
            return new SpectrumSameDiffTrainer(this);
        }
    }
}
