package ai.spectrum.analysis;

import ai.spectrum.Provenance;

import java.util.List;
import java.util.Objects;

/**
 * The scores of every module of one model.
 *
 * @param modelId    the model's identifier
 * @param rule       the rule the scores were computed under
 * @param scores     the scores in the model's own order; never null, unmodifiable
 * @param provenance how and where the scores were computed
 */
public record ScanResult(String modelId, SnrRule rule, List<ModuleScore> scores, Provenance provenance) {
    public ScanResult {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(provenance, "provenance");
        scores = List.copyOf(scores);
    }
}
