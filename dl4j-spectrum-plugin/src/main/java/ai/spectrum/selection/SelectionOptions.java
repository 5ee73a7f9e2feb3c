package ai.spectrum.selection;

import ai.spectrum.analysis.SnrRule;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The selection options that Spectrum's builders share — top percentage, minimum SNR, always-train patterns,
 * strategy, seed, and the default SNR strategy's rule and analyzer threads — with their checks and defaults in one
 * place. Each builder ({@code SpectrumListener}, {@code SpectrumSameDiffTrainer}, {@code SpectrumTrainingMaster})
 * owns one instance, forwards its {@code optX} methods here and reads the values when it builds; the builder keeps
 * its own Javadoc and wording of contradictions, and whatever is not shared (the re-selection schedule).
 *
 * <p>Mutable builder state, not thread-safe. Defaults: top 25 %, no minimum SNR, no always-train pattern, the SNR
 * strategy with {@link SnrRule#CURRENT}, seed 42.
 */
public final class SelectionOptions {
    private double topPercent = 25;
    private double minSnr = Double.NEGATIVE_INFINITY;
    private boolean minSnrSet;
    private final List<String> alwaysTrain = new ArrayList<>();
    private SelectionStrategy strategy;
    private long seed = 42;
    private SnrRule rule;
    private Integer analyzerThreads;
    private final Set<String> defaultStrategyOptions = new LinkedHashSet<>();

    /** Options with the defaults. */
    public SelectionOptions() {
    }

    /** Sets the percentage of each module type to train, checked by {@link SpectrumSelector#requireTopPercent}. */
    public void topPercent(double percent) {
        this.topPercent = SpectrumSelector.requireTopPercent(percent);
    }

    /** Sets the minimum SNR, checked by {@link SpectrumSelector#requireMinSnr}; SNR strategies only. */
    public void minSnr(double minSnr) {
        this.minSnr = SpectrumSelector.requireMinSnr(minSnr);
        this.minSnrSet = true;
    }

    /** Adds regular expressions over module names that always train; none may be null. */
    public void alwaysTrain(String... patterns) {
        for (String p : patterns) {
            alwaysTrain.add(Objects.requireNonNull(p, "pattern"));
        }
    }

    /** Sets the strategy, replacing the default SNR strategy. */
    public void strategy(SelectionStrategy strategy) {
        this.strategy = Objects.requireNonNull(strategy, "strategy");
    }

    /** Sets the seed of the random and LISA strategies. */
    public void seed(long seed) {
        this.seed = seed;
    }

    /** Sets the default SNR strategy's rule (builder option {@code optRule}). */
    public void rule(SnrRule rule) {
        this.rule = Objects.requireNonNull(rule, "rule");
        defaultStrategyOptions.add("optRule");
    }

    /** Sets the default SNR strategy's analyzer threads, ≥ 1 (builder option {@code optAnalyzerThreads}). */
    public void analyzerThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("analyzer threads must be ≥ 1, got " + threads);
        }
        this.analyzerThreads = threads;
        defaultStrategyOptions.add("optAnalyzerThreads");
    }

    /**
     * The default-strategy options ({@code optRule}, {@code optAnalyzerThreads}) that were set although a strategy
     * was too, in the order first set; they would be ignored, so a builder rejects them. Empty when consistent.
     */
    public List<String> ignoredByStrategy() {
        return strategy == null ? List.of() : List.copyOf(defaultStrategyOptions);
    }

    /** Whether a minimum SNR was set with a strategy whose scores are not SNRs; a builder rejects that. */
    public boolean minSnrWithoutSnrScores() {
        return minSnrSet && strategy != null && !strategy.scoresAreSnr();
    }

    /** The percentage of each module type to train. */
    public double topPercent() {
        return topPercent;
    }

    /** The minimum SNR; {@link Double#NEGATIVE_INFINITY} when unset. */
    public double minSnr() {
        return minSnr;
    }

    /** The always-train patterns in the order added; unmodifiable. */
    public List<String> alwaysTrain() {
        return List.copyOf(alwaysTrain);
    }

    /** The seed. */
    public long seed() {
        return seed;
    }

    /** The default SNR strategy's rule; {@link SnrRule#CURRENT} when unset. */
    public SnrRule rule() {
        return rule != null ? rule : SnrRule.CURRENT;
    }

    /**
     * The strategy set, or else {@link SelectionStrategy#snr(SnrRule, int)} with the rule and the analyzer threads.
     *
     * @param defaultThreads the analyzer threads when none were set (builders differ here)
     */
    public SelectionStrategy strategy(int defaultThreads) {
        return strategy != null ? strategy
                : SelectionStrategy.snr(rule(), analyzerThreads != null ? analyzerThreads : defaultThreads);
    }

    /**
     * A selector with the top percentage, minimum SNR and always-train patterns (patterns are checked here).
     *
     * @throws IllegalArgumentException for an invalid always-train pattern
     */
    public SpectrumSelector selector() {
        return SpectrumSelector.builder().optTopPercent(topPercent).optMinSnr(minSnr)
                .optAlwaysTrain(alwaysTrain.toArray(String[]::new)).build();
    }
}
