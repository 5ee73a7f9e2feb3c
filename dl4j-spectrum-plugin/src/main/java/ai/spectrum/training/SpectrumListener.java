package ai.spectrum.training;

import ai.spectrum.analysis.ModuleScore;
import ai.spectrum.analysis.NetworkWeights;
import ai.spectrum.analysis.SnrRule;
import ai.spectrum.dl4j.Dl4jNetwork;
import ai.spectrum.selection.ScoredModule;
import ai.spectrum.selection.SelectionOptions;
import ai.spectrum.selection.SelectionContext;
import ai.spectrum.selection.SelectionStrategy;
import ai.spectrum.selection.SpectrumSelector;
import ai.spectrum.training.freeze.NetworkFreeze;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Spectrum for DL4J training: trains only the best-scoring modules of a {@code ComputationGraph} or
 * {@code MultiLayerNetwork} and freezes the rest, re-selecting on a schedule.
 *
 * <pre>{@code
 * SpectrumListener spectrum = SpectrumListener.builder()
 *         .optTopPercent(25)                // train the top 25% of each module type (default)
 *         .optReselectEveryIterations(200)  // default: every epoch
 *         .build();
 * net.addListeners(spectrum);
 * net.fit(trainIter, 3);
 * SelectionHistory.write(spectrum.history(), Path.of("spectrum-history.jsonl"));
 * }</pre>
 *
 * <p>When it acts (DL4J's contract, see {@link TrainingListener}): the first selection is made in
 * {@code onEpochStart}, i.e. before the first iteration of {@code fit(iterator)}; single-minibatch {@code fit}
 * calls have no epoch callbacks, so call {@link #selectNow(Model)} before them (otherwise the first selection happens
 * in {@code iterationDone} of the first iteration). Re-selection happens in {@code iterationDone} or
 * {@code onEpochEnd} — after the parameter step and outside workspaces, the only points where DL4J allows changing
 * layers and updater. {@code onForwardPass} and {@code onGradientCalculation} record norms for the
 * gradient/activation strategies and never change layers; {@code onGradientCalculation}, which runs before DL4J's
 * updater, also re-installs Spectrum's compact updater if DL4J dropped it. Strategies that need observations select after the
 * first iteration.
 *
 * <p>How freezing works is described in {@link NetworkFreeze}: frozen parameters get no update, no optimizer state and no
 * regularization; trainable parameters are updated exactly as without the listener, and keep their optimizer state
 * across re-selections. Each selection that changes the trainable set is logged as one INFO line and every selection
 * is kept in {@link #history()}.
 *
 * <p>A network restored from a model saved during Spectrum training still carries its freeze; a new listener added
 * to it adopts that selection and re-selects on the same absolute schedule as the uninterrupted run. Layers the user
 * froze beforehand (DL4J's {@code FrozenLayer} or {@code FrozenLayerWithBackprop}, e.g. by {@code TransferLearning})
 * stay as configured: never selected and not ranked ({@link #userFrozen()}), as without the listener, unless {@link
 * Builder#optTrainUserFrozen(boolean)} lets Spectrum adopt them. A graph vertex with parameters (a {@code
 * SameDiffVertex}) cannot be frozen: the first selection refuses such a network before changing it. Because the
 * freeze lives in the network configuration, DL4J's own updater rebuilds keep it; with the compact gradient (default,
 * {@link Builder#optCompactGradient(boolean)}) DL4J's {@code setLearningRate} cannot rebuild the updater, so use a
 * learning-rate schedule or turn the compact gradient off. If anything replaces Spectrum's gradient layout between
 * {@code fit} calls, the next epoch start re-applies it; an updater or solver DL4J dropped ({@code
 * MultiLayerNetwork.clear()}) is re-installed before the next update, with the optimizer state of the one Spectrum
 * installed last.
 *
 * <p>Instances are not thread-safe; use one listener per network being trained.
 */
public final class SpectrumListener implements TrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(SpectrumListener.class);

    private final double topPercent;
    private final ReselectionSchedule schedule;
    private final SnrRule rule;
    private final double minSnr;
    private final SelectionStrategy strategy;
    private final long seed;
    private final SpectrumSelector selector;
    private final boolean compactGradient;
    private final NetworkFreeze.NormLayers normLayers;
    private final NetworkFreeze.UserFrozenLayers userFrozenLayers;

    private final List<SelectionEvent> history = new CopyOnWriteArrayList<>();
    private final Observations observations = new Observations();
    private Model attached;
    private Dl4jNetwork adapter;
    private NetworkFreeze freeze;
    private Set<String> selected = Set.of();
    private Set<String> userFrozen = Set.of();
    private boolean hasSelection;
    private long selectionNanos;
    private Map<String, Double> lastScores = Map.of();

    private SpectrumListener(Builder b) {
        this.topPercent = b.selection.topPercent();
        this.schedule = b.schedule;
        this.rule = b.selection.rule();
        this.minSnr = b.selection.minSnr();
        this.strategy = b.selection.strategy(Runtime.getRuntime().availableProcessors());
        this.seed = b.selection.seed();
        this.compactGradient = b.compactGradient;
        this.normLayers = b.normLayers;
        this.userFrozenLayers = b.trainUserFrozen ? NetworkFreeze.UserFrozenLayers.SELECTABLE
                : NetworkFreeze.UserFrozenLayers.KEEP;
        this.selector = b.selection.selector();
    }

    /** A builder with the defaults: SNR strategy, top 25% per type, re-selection every epoch. */
    public static Builder builder() {
        return new Builder();
    }

    /** Every selection made so far, oldest first; unmodifiable, never null. */
    public List<SelectionEvent> history() {
        return Collections.unmodifiableList(history);
    }

    /** The modules currently trained (empty before the first selection). */
    public Set<String> selected() {
        return selected;
    }

    /**
     * The modules in layers the user froze before training (DL4J {@code FrozenLayer}, {@code FrozenLayerWithBackprop},
     * {@code TransferLearning}'s feature extractor), which stay frozen and are not ranked; empty before the network
     * is attached, and with {@link Builder#optTrainUserFrozen(boolean) optTrainUserFrozen(true)}.
     */
    public Set<String> userFrozen() {
        return userFrozen;
    }

    /** Total wall time spent selecting and applying freezes, in nanoseconds. */
    public long selectionNanos() {
        return selectionNanos;
    }

    /** The re-selection schedule. */
    public ReselectionSchedule schedule() {
        return schedule;
    }

    /** The strategy. */
    public SelectionStrategy strategy() {
        return strategy;
    }

    /** The configured SNR rule of the default strategy. */
    public SnrRule rule() {
        return rule;
    }

    /**
     * Selects and applies the freeze now; call outside {@code fit}, e.g. before single-minibatch training.
     *
     * @return the event recorded
     * @throws IllegalArgumentException      for an unsupported model, one without weight matrices (outside layers
     *                                       the user froze), or an always-train pattern that matches no selectable
     *                                       module
     * @throws UnsupportedOperationException for a network with parameters Spectrum cannot freeze (a graph vertex
     *                                       with parameters); the network is left unchanged
     * @throws IllegalStateException    if the selection would train nothing, or the strategy has no observations yet
     */
    public SelectionEvent selectNow(Model model) {
        attach(model);
        return select(adapter.iterationCount());
    }

    @Override
    public void onEpochStart(Model model) {
        attach(model);
        if (!hasSelection && canSelect()) {
            select(adapter.iterationCount());
        } else if (hasSelection) {
            // restored from a saved model, or the updater was rebuilt by DL4J: same modules, Spectrum's layout
            long t0 = System.nanoTime();
            freeze.resume(selected);
            selectionNanos += System.nanoTime() - t0;
        }
    }

    @Override
    public void onEpochEnd(Model model) {
        attach(model);
        if (hasSelection && schedule.dueAfterEpoch(adapter.epochCount())) {
            select(adapter.iterationCount());
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        attach(model);
        // DL4J increments its iteration counter after this callback: iteration + 1 iterations are complete
        if (!hasSelection) {
            if (canSelect()) {
                select(iteration + 1);
            }
        } else if (schedule.dueAfterIteration(iteration)) {
            select(iteration + 1);
        }
    }

    @Override
    public void onForwardPass(Model model, List<INDArray> activations) {
        if (strategy.needsActivations()) {
            attach(model);
            observations.recordActivations(adapter, adapter.activationsByLayer(activations));
        }
    }

    @Override
    public void onForwardPass(Model model, Map<String, INDArray> activations) {
        if (strategy.needsActivations()) {
            attach(model);
            observations.recordActivations(adapter, adapter.activationsByLayer(activations));
        }
    }

    @Override
    public void onGradientCalculation(Model model) {
        attach(model);
        if (hasSelection && freeze.reinstallDroppedUpdater()) {
            LOG.info("Spectrum re-installed its compact updater, which DL4J had dropped (optimizer state kept)");
        }
        if (!strategy.needsGradients()) {
            return;
        }
        Gradient g = model.gradient();
        if (g != null) {
            observations.recordGradients(adapter, g, frozenModules());
        }
    }

    private Set<String> frozenModules() {
        if (!hasSelection) {
            return Set.of();
        }
        Set<String> out = new HashSet<>();
        for (NetworkWeights.Entry e : adapter.weights().entries()) {
            if (!selected.contains(e.info().name())) {
                out.add(e.info().name());
            }
        }
        return out;
    }

    @Override
    public void onBackwardPass(Model model) {
        // nothing: the updater runs after this callback, so the network must not change here
    }

    private boolean canSelect() {
        if (!strategy.needsGradients() && !strategy.needsActivations()) {
            return true;
        }
        return observations.complete(selectable(adapter.weights()).entries().stream().map(e -> e.info().name())
                .toList(), strategy.needsGradients(), strategy.needsActivations());
    }

    private void attach(Model model) {
        Objects.requireNonNull(model, "model");
        if (model == attached) {
            return;
        }
        Dl4jNetwork a = Dl4jNetwork.of(model);
        attached = model;
        adapter = a;
        freeze = NetworkFreeze.of(a, compactGradient, normLayers, userFrozenLayers);
        observations.clear();
        hasSelection = false;
        selected = Set.of();
        lastScores = Map.of();
        userFrozen = freeze.userFrozenModules();
        if (!userFrozen.isEmpty()) {
            LOG.info("Spectrum keeps {} modules in layers frozen before training frozen and out of the ranking: {}",
                    userFrozen.size(), userFrozen);
        }
        Optional<Set<String>> carried = freeze.selection();
        if (carried.isPresent()) {
            selected = carried.get();
            hasSelection = true;
            LOG.info("Spectrum resumes the selection carried by the network: {} of {} modules trainable",
                    selected.size(), a.weights().entries().size());
        }
    }

    /** The weight modules the selection ranks: all but those in layers the user froze (unless adopted). */
    private NetworkWeights selectable(NetworkWeights all) {
        if (userFrozen.isEmpty()) {
            return all;
        }
        List<NetworkWeights.Entry> entries = all.entries().stream()
                .filter(e -> !userFrozen.contains(e.info().name())).toList();
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("every weight module of the network is in a layer frozen before "
                    + "training (" + userFrozen + "), so Spectrum has nothing to select; optTrainUserFrozen(true) "
                    + "lets it rank and train them");
        }
        for (java.util.regex.Pattern p : selector.alwaysTrain()) {
            boolean selectableMatch = entries.stream().anyMatch(e -> p.matcher(e.info().name()).matches());
            if (!selectableMatch && userFrozen.stream().anyMatch(m -> p.matcher(m).matches())) {
                throw new IllegalArgumentException("always-train pattern '" + p.pattern() + "' matches only modules "
                        + "in layers frozen before training, which stay frozen; optTrainUserFrozen(true) lets "
                        + "Spectrum train them");
            }
        }
        return NetworkWeights.of(all.modelId(), entries);
    }

    private SelectionEvent select(int iteration) {
        long t0 = System.nanoTime();
        int epoch = adapter.epochCount();
        NetworkWeights weights = selectable(adapter.weights());
        Map<String, Double> frozenScores = new HashMap<>();
        if (hasSelection) {
            lastScores.forEach((m, v) -> {
                if (!selected.contains(m)) {
                    frozenScores.put(m, v); // frozen since then: bit-identical weights, same score
                }
            });
            carryAlwaysTrainedScores(weights, frozenScores);
        }
        SelectionStrategy.Choice choice = strategy.choose(new SelectionContext(weights, iteration, epoch, seed,
                observations.gradientNorms(), observations.activationNorms(), frozenScores));
        List<ScoredModule> scores = new ArrayList<>();
        Map<String, Double> scoreMap = new LinkedHashMap<>();
        for (NetworkWeights.Entry e : weights.entries()) {
            String name = e.info().name();
            Double s = choice.scores().get(name);
            if (s == null) {
                throw new IllegalStateException("strategy '" + strategy.name() + "' gave no score for module '"
                        + name + "'");
            }
            scores.add(new ScoredModule(name, e.info().type(), s));
            scoreMap.put(name, s);
        }
        Set<String> ranked = strategy.scoresAreSnr()
                ? selector.select(scores.stream().map(m -> ModuleScore.ofValue(m.name(), m.type(), m.score())).toList())
                        .trainable()
                : selector.selectByScore(scores);
        Set<String> chosen = new LinkedHashSet<>();
        for (NetworkWeights.Entry e : weights.entries()) {
            String name = e.info().name();
            if (ranked.contains(name) || choice.forced().contains(name)) {
                chosen.add(name);
            }
        }
        if (chosen.isEmpty()) {
            throw new IllegalStateException("Spectrum selected no module to train: the top " + topPercent
                    + "% of each module type rounds down to zero modules (or none passed the minimum SNR "
                    + minSnr + ") in a network of " + weights.entries().size()
                    + " modules; raise optTopPercent, lower optMinSnr or add optAlwaysTrain patterns");
        }
        NetworkFreeze.Applied outcome = freeze.apply(chosen);
        long nanos = System.nanoTime() - t0;
        selectionNanos += nanos;
        boolean changed = !chosen.equals(selected) || !hasSelection;
        Set<String> structural = new LinkedHashSet<>(outcome.structuralLayers());
        SelectionEvent event = new SelectionEvent(iteration, epoch, strategy.name(), scoreMap, chosen, structural,
                nanos, userFrozen);
        history.add(event);
        if (changed) {
            LOG.info("Spectrum {} selection at iteration {} (epoch {}): training {} of {} modules; {} layers frozen "
                            + "structurally, {} partly; {} layers swapped, optimizer state kept for {} parameters, "
                            + "state {} -> {} elements, gradient {} elements, {} ms",
                    strategy.name(), iteration, epoch, chosen.size(), weights.entries().size(), structural.size(),
                    outcome.partlyFrozenLayers(), outcome.layersChanged(), outcome.statesKept(),
                    outcome.stateLengthBefore(), outcome.stateLengthAfter(), outcome.gradientLength(),
                    nanos / 1_000_000);
        } else {
            LOG.debug("Spectrum re-selection at iteration {} kept the same {} modules", iteration, chosen.size());
        }
        selected = Collections.unmodifiableSet(chosen);
        lastScores = scoreMap;
        hasSelection = true;
        return event;
    }

    /**
     * Offers the last scores of modules whose score cannot affect the selection for reuse: those whose type consists
     * of always-trained modules only (e.g. always-trained word embeddings, a type of their own). Such a module is
     * analysed at the first selection only; later events carry that score. The ranking of every other type is
     * unchanged.
     */
    private void carryAlwaysTrainedScores(NetworkWeights weights, Map<String, Double> reusable) {
        Map<String, List<String>> byType = new LinkedHashMap<>();
        for (NetworkWeights.Entry e : weights.entries()) {
            byType.computeIfAbsent(e.info().type(), t -> new ArrayList<>()).add(e.info().name());
        }
        for (List<String> group : byType.values()) {
            if (group.stream().allMatch(this::alwaysTrained)) {
                group.forEach(m -> reusable.put(m, lastScores.get(m)));
            }
        }
    }

    private boolean alwaysTrained(String module) {
        return lastScores.containsKey(module)
                && selector.alwaysTrain().stream().anyMatch(p -> p.matcher(module).matches());
    }

    /** Validating builder for {@link SpectrumListener}; every option has a documented default. */
    public static final class Builder {
        private final SelectionOptions selection = new SelectionOptions();
        private ReselectionSchedule schedule = ReselectionSchedule.everyEpochs(1);
        private boolean compactGradient = true;
        private NetworkFreeze.NormLayers normLayers = NetworkFreeze.NormLayers.WITH_INPUT_LAYER;
        private boolean trainUserFrozen;

        private Builder() {
        }

        /** Percentage of each module type to train, in (0, 100]; default 25. */
        public Builder optTopPercent(double percent) {
            selection.topPercent(percent);
            return this;
        }

        /** Re-select after every {@code n} iterations (n ≥ 1); replaces the default of every epoch. */
        public Builder optReselectEveryIterations(int n) {
            this.schedule = ReselectionSchedule.everyIterations(n);
            return this;
        }

        /** Re-select after every {@code n} epochs (n ≥ 1); default 1. */
        public Builder optReselectEveryEpochs(int n) {
            this.schedule = ReselectionSchedule.everyEpochs(n);
            return this;
        }

        /** SNR rule of the default SNR strategy; default {@link SnrRule#CURRENT}. Not together with optStrategy. */
        public Builder optRule(SnrRule rule) {
            selection.rule(rule);
            return this;
        }

        /** Modules with an SNR below this are not selected by rank (SNR strategies only, checked by build); default none. */
        public Builder optMinSnr(double minSnr) {
            selection.minSnr(minSnr);
            return this;
        }

        /**
         * Regular expressions over module names that always train; each must match a module of the network (checked
         * at the first selection). Default none. A module whose type consists of always-trained modules only is
         * scored at the first selection only (its score cannot change what is selected); the history's later events
         * carry that first score.
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
         * Threads for the default SNR strategy's analyzer, ≥ 1; default the number of available processors (a
         * selection waits for the analyzer, and training is paused meanwhile). Not together with optStrategy.
         */
        public Builder optAnalyzerThreads(int threads) {
            selection.analyzerThreads(threads);
            return this;
        }

        /**
         * Whether frozen layers get no gradient memory (default true): the network's flattened gradient then holds only
         * layers whose backprop writes a gradient, and Spectrum's updater and optimizer step update only trainable
         * parameters (see {@code Freezer}). Trained parameters are bit-identical either way. Turn it off for code that
         * needs DL4J's full-size gradient array: DL4J's {@code setLearningRate(...)} rebuilds a plain updater over it
         * and fails on the compact one ("Indices are out of range"; the rate it wrote into the configuration is used
         * from the next epoch, with optimizer state kept), and a minibatch {@code fit} after
         * {@code initGradientsView()} fails until the next epoch start re-applies the layout. Networks trained with a
         * gradient accumulator (parallel or distributed training) always use the full-size gradient.
         */
        public Builder optCompactGradient(boolean compact) {
            this.compactGradient = compact;
            return this;
        }

        /**
         * When layers with parameters but no weight matrix (batch normalization, SameDiff norm layers) train; default
         * {@link NetworkFreeze.NormLayers#WITH_INPUT_LAYER}: with the weight layer feeding them, so that selecting
         * every module trains exactly as without the listener, and a frozen feature extractor keeps its batch
         * statistics as in DL4J's {@code TransferLearning}.
         */
        public Builder optNormLayers(NetworkFreeze.NormLayers rule) {
            this.normLayers = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * Whether layers frozen before training — DL4J {@code FrozenLayer}, {@code FrozenLayerWithBackprop},
         * {@code TransferLearning.setFeatureExtractor} — are ranked and trained when selected; default false: they
         * stay exactly as configured, are not counted in their type's top-k ranking and are reported by
         * {@link SpectrumListener#userFrozen()}. Without the listener such a layer never trains, so only the default
         * keeps top 100 % bit-identical to training without the listener. With true, Spectrum adopts them
         * ({@link NetworkFreeze.UserFrozenLayers#SELECTABLE}): frozen at first, trained when a selection picks them.
         */
        public Builder optTrainUserFrozen(boolean train) {
            this.trainUserFrozen = train;
            return this;
        }

        /**
         * Builds the listener.
         *
         * @throws IllegalArgumentException if options contradict each other: {@code optRule} or
         *                                  {@code optAnalyzerThreads} (which configure the default SNR strategy)
         *                                  together with {@code optStrategy}, or {@code optMinSnr} with a strategy
         *                                  whose scores are not SNRs
         */
        public SpectrumListener build() {
            // both checks fail only when a strategy was set, so strategy(…) below is that strategy
            List<String> ignored = selection.ignoredByStrategy();
            if (!ignored.isEmpty()) {
                throw new IllegalArgumentException(String.join(" and ", ignored) + " configure the default SNR "
                        + "strategy and would be ignored with optStrategy(" + selection.strategy(1).name()
                        + "); pass them to SelectionStrategy.snr(rule, threads) instead");
            }
            if (selection.minSnrWithoutSnrScores()) {
                throw new IllegalArgumentException("optMinSnr applies to SNR scores only, but strategy '"
                        + selection.strategy(1).name() + "' does not score by SNR; drop optMinSnr or use "
                        + "SelectionStrategy.snr()");
            }
            return new SpectrumListener(this);
        }
    }
}
