package ai.spectrum.selection;

import ai.spectrum.analysis.SnrRule;

import java.util.Map;
import java.util.Set;

/**
 * Scores modules so that the listener can train the best-scoring share of each module type.
 *
 * <p>The listener passes the scores to {@link ai.spectrum.selection.SpectrumSelector} (top percent per type, always-
 * train patterns; the minimum-SNR threshold only for {@link #scoresAreSnr() SNR scores}) and adds
 * {@link Choice#forced() forced} modules. Implementations must be deterministic given the context.
 */
public interface SelectionStrategy {

    /**
     * Scores for the modules of a network, in model order.
     *
     * @param scores per module, higher is better; every module of the context's weights must have a score
     * @param forced modules to train regardless of their score (e.g. LISA's first and last modules)
     */
    record Choice(Map<String, Double> scores, Set<String> forced) {
        public Choice {
            scores = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(scores));
            forced = Set.copyOf(forced);
        }
    }

    /** A short name for logs and reports, e.g. {@code snr}. */
    String name();

    /** Scores every module. */
    Choice choose(SelectionContext context);

    /** Whether scores are SNR values, so that the minimum-SNR threshold applies; default false. */
    default boolean scoresAreSnr() {
        return false;
    }

    /** Whether this strategy reads gradient norms; it then selects after the first observed iteration. */
    default boolean needsGradients() {
        return false;
    }

    /** Whether this strategy reads activation norms; it then selects after the first observed iteration. */
    default boolean needsActivations() {
        return false;
    }

    /**
     * Spectrum's weight-spectrum SNR (Marchenko–Pastur), computed with {@link ai.spectrum.analysis.SpectrumAnalyzer}
     * on the live weights. The default strategy. A degenerate matrix (all zero, e.g. PReLU's alpha at
     * initialization, or not finite) scores 0 instead of stopping training.
     *
     * @param rule    which SNR rule
     * @param threads analyzer threads, ≥ 1
     */
    static SelectionStrategy snr(SnrRule rule, int threads) {
        return new Strategies.Snr(rule, threads);
    }

    /** SNR with {@link SnrRule#CURRENT} on one thread. */
    static SelectionStrategy snr() {
        return snr(SnrRule.CURRENT, 1);
    }

    /** Uniformly random scores, redrawn at every selection from the seed and the iteration. */
    static SelectionStrategy random() {
        return new Strategies.Random();
    }

    /** The L2 norm of each weight matrix's raw gradient (sum over the minibatch, before the updater). */
    static SelectionStrategy gradientNorm() {
        return new Strategies.GradientNorm();
    }

    /** The root-mean-square activation of each module's layer output during training. */
    static SelectionStrategy activationNorm() {
        return new Strategies.ActivationNorm();
    }

    /** Prefers modules closest to the input (first k of each type). */
    static SelectionStrategy firstK() {
        return new Strategies.Position(true);
    }

    /** Prefers modules closest to the output (last k of each type). */
    static SelectionStrategy lastK() {
        return new Strategies.Position(false);
    }

    /**
     * LISA-style layerwise sampling: the first and the last module always train (they score −∞ so that the sampled
     * share goes to the others), the others get random scores that are redrawn at every re-selection (from the seed
     * and the iteration).
     */
    static SelectionStrategy lisa() {
        return new Strategies.Lisa();
    }
}
