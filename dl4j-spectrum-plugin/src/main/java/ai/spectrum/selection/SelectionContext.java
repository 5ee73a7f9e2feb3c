package ai.spectrum.selection;

import ai.spectrum.analysis.NetworkWeights;

import java.util.Map;
import java.util.Objects;

/**
 * What a {@link SelectionStrategy} may look at when it scores modules.
 *
 * @param weights         the network's live weight matrices, in model order; never null
 * @param iteration       iterations completed when selecting
 * @param epoch           epochs completed when selecting
 * @param seed            the listener's seed; strategies that draw at random mix it with {@code iteration}, so a
 *                        resumed run draws the same modules as an uninterrupted one
 * @param gradientNorms   per module, the L2 norm of its last observed raw gradient (modules frozen since then keep
 *                        their last value); empty unless {@link SelectionStrategy#needsGradients()}
 * @param activationNorms per module, the root-mean-square of its layer's last observed training activation; empty
 *                        unless {@link SelectionStrategy#needsActivations()}
 * @param frozenScores    per module that stayed frozen since the previous selection (so its weights are bit-identical
 *                        to what was scored then), the score it got from this strategy then; a weight-based strategy
 *                        may reuse these instead of recomputing. Empty at the first selection
 */
public record SelectionContext(NetworkWeights weights, int iteration, int epoch, long seed,
                               Map<String, Double> gradientNorms, Map<String, Double> activationNorms,
                               Map<String, Double> frozenScores) {
    public SelectionContext {
        Objects.requireNonNull(weights, "weights");
        gradientNorms = Map.copyOf(gradientNorms);
        activationNorms = Map.copyOf(activationNorms);
        frozenScores = java.util.Collections.unmodifiableMap(new java.util.HashMap<>(frozenScores));
    }

    /** A context without observations or reusable scores. */
    public static SelectionContext of(NetworkWeights weights, int iteration, int epoch, long seed) {
        return new SelectionContext(weights, iteration, epoch, seed, Map.of(), Map.of(), Map.of());
    }
}
