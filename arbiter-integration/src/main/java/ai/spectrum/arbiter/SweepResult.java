package ai.spectrum.arbiter;

import ai.spectrum.Provenance;
import ai.spectrum.training.SpectrumListener;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of a sweep: every candidate (completed or failed) in index order, how they were scored, and the
 * provenance of the run.
 *
 * @param candidates results by candidate index; unmodifiable
 * @param scoreName  the score's name, e.g. {@code validation_loss}
 * @param minimize   true when lower scores are better
 * @param wallClock  total time of the sweep
 * @param provenance configuration, seed and versions (Spectrum, DL4J, Arbiter)
 */
public record SweepResult(List<CandidateResult> candidates, String scoreName, boolean minimize, Duration wallClock,
                          Provenance provenance) {
    /** Sorts the candidates by index. */
    public SweepResult {
        candidates = candidates.stream().sorted(Comparator.comparingInt(CandidateResult::index)).toList();
        Objects.requireNonNull(scoreName, "scoreName");
        Objects.requireNonNull(wallClock, "wallClock");
        Objects.requireNonNull(provenance, "provenance");
    }

    /** The completed candidate with the best score (ties go to the lower index); empty if none completed. */
    public Optional<CandidateResult> best() {
        Comparator<CandidateResult> byScore = Comparator.comparingDouble(CandidateResult::score);
        if (!minimize) {
            byScore = byScore.reversed();
        }
        return candidates.stream().filter(CandidateResult::isCompleted)
                .min(byScore.thenComparingInt(CandidateResult::index));
    }

    /**
     * The best candidate's configuration.
     *
     * @throws IllegalStateException when no candidate completed
     */
    public SweepCandidate bestCandidate() {
        return best().flatMap(CandidateResult::candidate).orElseThrow(() -> new IllegalStateException(
                "no candidate completed; failures: " + failed().stream().map(r -> r.index() + ": "
                        + r.failure().orElse("")).toList()));
    }

    /**
     * The best candidate's Spectrum settings as a ready listener, seeded with the sweep's seed.
     *
     * @throws IllegalStateException when no candidate completed
     */
    public SpectrumListener bestListener() {
        String seed = provenance.configuration().get("seed");
        SpectrumSettings settings = bestCandidate().spectrum();
        return seed == null ? settings.toListener() : settings.toListener(Long.parseLong(seed));
    }

    /** Completed candidates in index order. */
    public List<CandidateResult> completed() {
        return candidates.stream().filter(CandidateResult::isCompleted).toList();
    }

    /** Failed candidates in index order. */
    public List<CandidateResult> failed() {
        return candidates.stream().filter(r -> !r.isCompleted()).toList();
    }
}
