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
 */
public record SelectionEvent(int iteration, int epoch, String strategy, Map<String, Double> scores,
                             Set<String> selected, Set<String> frozenLayers, long selectionNanos) {
    public SelectionEvent {
        Objects.requireNonNull(strategy, "strategy");
        scores = Collections.unmodifiableMap(new LinkedHashMap<>(scores));
        selected = Collections.unmodifiableSet(new LinkedHashSet<>(selected));
        frozenLayers = Collections.unmodifiableSet(new LinkedHashSet<>(frozenLayers));
    }
}
