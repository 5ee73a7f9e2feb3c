package ai.spectrum.training;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One (re-)selection made by {@link SpectrumListener}.
 *
 * @param iteration     iterations completed when it was made
 * @param epoch         epochs completed when it was made
 * @param strategy      the strategy's name
 * @param scores        per module, the strategy's score (the SNR for the default strategy), in model order; may
 *                      hold +∞ or NaN
 * @param selected      the modules trained from now on, in model order
 * @param frozenLayers  layers frozen structurally (no backprop through them)
 * @param selectionNanos wall time spent scoring, selecting and applying the freeze
 * @param userFrozen    modules in layers the user froze before training, kept frozen and not ranked (not in
 *                      {@code scores}); empty when there are none or Spectrum adopts them; null reads as empty
 */
public record SelectionEvent(int iteration, int epoch, String strategy, Map<String, Double> scores,
                             Set<String> selected, Set<String> frozenLayers, long selectionNanos,
                             Set<String> userFrozen) {
    public SelectionEvent {
        Objects.requireNonNull(strategy, "strategy");
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
        selected = Collections.unmodifiableSet(new LinkedHashSet<>(selected));
        frozenLayers = Collections.unmodifiableSet(new LinkedHashSet<>(frozenLayers));
        userFrozen = userFrozen == null ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(userFrozen));
    }

    /** An event of a network without layers the user froze. */
    public SelectionEvent(int iteration, int epoch, String strategy, Map<String, Double> scores,
            Set<String> selected, Set<String> frozenLayers, long selectionNanos) {
        this(iteration, epoch, strategy, scores, selected, frozenLayers, selectionNanos, Set.of());
    }
}
