package ai.spectrum.selection;

import ai.spectrum.analysis.ModuleScore;

import java.util.List;
import java.util.Objects;

/**
 * The modules of one type, ranked.
 *
 * @param type     the module type
 * @param ranked   every module of the type, SNR descending (stable: ties keep model order; +∞ first, NaN last)
 * @param selected the names chosen to train, in rank order
 */
public record TypeGroup(String type, List<ModuleScore> ranked, List<String> selected) {
    public TypeGroup {
        Objects.requireNonNull(type, "type");
        ranked = List.copyOf(ranked);
        selected = List.copyOf(selected);
        if (selected.size() > ranked.size()) {
            throw new IllegalArgumentException("type " + type + ": more selected than ranked modules");
        }
    }
}
