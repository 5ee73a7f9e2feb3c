package ai.spectrum.selection;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Which modules to train.
 *
 * @param topPercent the percentage of each type that was kept
 * @param groups     one group per type, in order of first appearance in the model
 * @param trainable  every module to train: each group's selection in group order, then always-train modules not
 *                   already selected; unmodifiable
 */
public record Selection(double topPercent, List<TypeGroup> groups, Set<String> trainable) {
    public Selection {
        Objects.requireNonNull(groups, "groups");
        groups = List.copyOf(groups);
        trainable = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(trainable));
    }

    /** Whether the module is trained. */
    public boolean isTrainable(String module) {
        return trainable.contains(module);
    }
}
