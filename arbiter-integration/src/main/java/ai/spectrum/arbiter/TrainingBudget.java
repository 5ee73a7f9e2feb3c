package ai.spectrum.arbiter;

import java.time.Duration;
import java.util.Objects;

/**
 * How long each candidate may train: a number of training iterations (minibatches), a wall-clock time, or both
 * (whichever comes first). Training stops between minibatches, so a time budget may be exceeded by one step.
 *
 * @param maxIterations iteration limit, or {@link Long#MAX_VALUE} for none; positive
 * @param maxTime       time limit, or {@code null} for none; positive when present
 */
public record TrainingBudget(long maxIterations, Duration maxTime) {
    /** @throws IllegalArgumentException on a non-positive or unbounded budget */
    public TrainingBudget {
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be >= 1, got " + maxIterations);
        }
        if (maxTime != null && (maxTime.isZero() || maxTime.isNegative())) {
            throw new IllegalArgumentException("maxTime must be positive, got " + maxTime);
        }
        if (maxIterations == Long.MAX_VALUE && maxTime == null) {
            throw new IllegalArgumentException("a training budget needs an iteration limit, a time limit or both");
        }
    }

    /** At most {@code iterations} minibatches. */
    public static TrainingBudget iterations(long iterations) {
        return new TrainingBudget(iterations, null);
    }

    /** At most {@code time} of training. */
    public static TrainingBudget time(Duration time) {
        return new TrainingBudget(Long.MAX_VALUE, Objects.requireNonNull(time, "time"));
    }

    /** Whichever of the two limits comes first. */
    public static TrainingBudget of(long iterations, Duration time) {
        return new TrainingBudget(iterations, Objects.requireNonNull(time, "time"));
    }

    /** True when {@code iterations} steps or {@code elapsedNanos} use up the budget. */
    boolean exhausted(long iterations, long elapsedNanos) {
        return iterations >= maxIterations || (maxTime != null && elapsedNanos >= maxTime.toNanos());
    }

    @Override
    public String toString() {
        return (maxIterations == Long.MAX_VALUE ? "" : maxIterations + " iterations")
                + (maxIterations != Long.MAX_VALUE && maxTime != null ? " or " : "")
                + (maxTime == null ? "" : maxTime.toString());
    }
}
