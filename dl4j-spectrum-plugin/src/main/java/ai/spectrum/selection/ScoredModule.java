package ai.spectrum.selection;

import java.util.Objects;

/**
 * A module with a strategy's score, higher is better (for the SNR strategy the score is the SNR; for the others a
 * gradient norm, a random draw, a position, …).
 *
 * @param name  the module name
 * @param type  the module type used for grouping
 * @param score the score; may be +∞ or −∞, NaN is never selected by rank
 */
public record ScoredModule(String name, String type, double score) {
    public ScoredModule {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }
}
