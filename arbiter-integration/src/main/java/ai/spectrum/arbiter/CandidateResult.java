package ai.spectrum.arbiter;

import java.util.Objects;
import java.util.Optional;

/**
 * What happened to one sweep candidate. Use the {@link #completed} and {@link #failed} factories.
 *
 * @param index           Arbiter's candidate index (0-based, in generation order)
 * @param candidate       the candidate's configuration; empty only when Arbiter could not generate it
 * @param status          completed or failed
 * @param score           the validation score; NaN when failed
 * @param failure         why the candidate failed; empty when completed
 * @param iterations      training iterations performed
 * @param trainingLoss    the last training minibatch loss (NaN if none)
 * @param resources       time and memory used
 */
public record CandidateResult(int index, Optional<SweepCandidate> candidate, Status status, double score,
                              Optional<String> failure, long iterations, double trainingLoss,
                              ResourceUse resources) {
    /** Outcome of a candidate. */
    public enum Status {
        /** Trained and scored with a finite score. */
        COMPLETED,
        /** Threw, produced a non-finite loss or score, or could not be generated. */
        FAILED
    }

    /** @throws IllegalArgumentException when status, score and failure do not agree */
    public CandidateResult {
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(failure, "failure");
        Objects.requireNonNull(resources, "resources");
        if (status == Status.COMPLETED && (failure.isPresent() || !Double.isFinite(score) || candidate.isEmpty())) {
            throw new IllegalArgumentException("a completed candidate needs a configuration, a finite score and no "
                    + "failure; got score " + score + ", failure " + failure);
        }
        if (status == Status.FAILED && failure.isEmpty()) {
            throw new IllegalArgumentException("a failed candidate needs a reason");
        }
    }

    /** A candidate that trained and scored. */
    public static CandidateResult completed(int index, SweepCandidate candidate, double score, long iterations,
                                            double trainingLoss, ResourceUse resources) {
        return new CandidateResult(index, Optional.of(candidate), Status.COMPLETED, score, Optional.empty(),
                iterations, trainingLoss, resources);
    }

    /** A candidate that failed; {@code candidate} may be null when it could not even be generated. */
    public static CandidateResult failed(int index, SweepCandidate candidate, String reason, long iterations,
                                         double trainingLoss, ResourceUse resources) {
        return new CandidateResult(index, Optional.ofNullable(candidate), Status.FAILED, Double.NaN,
                Optional.of(reason), iterations, trainingLoss, resources);
    }

    /** True when {@link Status#COMPLETED}. */
    public boolean isCompleted() {
        return status == Status.COMPLETED;
    }
}
