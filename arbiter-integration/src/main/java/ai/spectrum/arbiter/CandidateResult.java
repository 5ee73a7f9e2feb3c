package ai.spectrum.arbiter;

import java.time.Duration;
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
 * @param wallClock       time from model creation to the end of scoring
 * @param peakHeapBytes   largest JVM heap in use seen at an iteration end during this candidate
 * @param peakNativeBytes largest off-heap memory allocated through JavaCPP (ND4J arrays) seen at an iteration end;
 *                        process-wide, so only per-candidate when candidates run one at a time
 */
public record CandidateResult(int index, Optional<SweepCandidate> candidate, Status status, double score,
                              Optional<String> failure, long iterations, double trainingLoss, Duration wallClock,
                              long peakHeapBytes, long peakNativeBytes) {
    /** Outcome of a candidate. */
    public enum Status {
        /** Trained and scored with a finite score. */
        COMPLETED,
        /** Threw, produced a non-finite loss or score, or could not be generated. */
        FAILED
    }

    public CandidateResult {
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(failure, "failure");
        Objects.requireNonNull(wallClock, "wallClock");
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
                                            double trainingLoss, Duration wallClock, long peakHeap, long peakNative) {
        return new CandidateResult(index, Optional.of(candidate), Status.COMPLETED, score, Optional.empty(),
                iterations, trainingLoss, wallClock, peakHeap, peakNative);
    }

    /** A candidate that failed; {@code candidate} may be null when it could not even be generated. */
    public static CandidateResult failed(int index, SweepCandidate candidate, String reason, long iterations,
                                         double trainingLoss, Duration wallClock, long peakHeap, long peakNative) {
        return new CandidateResult(index, Optional.ofNullable(candidate), Status.FAILED, Double.NaN,
                Optional.of(reason), iterations, trainingLoss, wallClock, peakHeap, peakNative);
    }

    /** True when {@link Status#COMPLETED}. */
    public boolean isCompleted() {
        return status == Status.COMPLETED;
    }
}
