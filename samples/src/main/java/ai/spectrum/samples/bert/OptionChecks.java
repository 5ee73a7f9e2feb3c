package ai.spectrum.samples.bert;

import java.util.EnumSet;
import java.util.List;
import java.util.Objects;

/** The checks of the experiments' builder options; each failure names the option and the value found. */
final class OptionChecks {
    private OptionChecks() {
    }

    /** Checks {@code value ≥ min}, else "{@code what} must be ≥ min, got value". */
    static int atLeast(int value, int min, String what) {
        if (value < min) {
            throw new IllegalArgumentException(what + " must be ≥ " + min + ", got " + value);
        }
        return value;
    }

    /** Checks that methods are given, at least one, none twice; returns an immutable copy. */
    static <E extends Enum<E>> List<E> methods(List<E> methods) {
        Objects.requireNonNull(methods, "methods");
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("at least one method is needed");
        }
        if (EnumSet.copyOf(methods).size() != methods.size()) {
            throw new IllegalArgumentException("methods repeat: " + methods);
        }
        return List.copyOf(methods);
    }

    /** Checks a batch size (≥ 1), naming the value. */
    static int batchSize(int batchSize) {
        return atLeast(batchSize, 1, "batch size");
    }

    /** Checks a sequence length (3..512, BERT's position table), naming the value. */
    static int sequenceLength(int sequenceLength) {
        if (sequenceLength < 3 || sequenceLength > 512) {
            throw new IllegalArgumentException("sequence length must be in [3, 512], got " + sequenceLength);
        }
        return sequenceLength;
    }

    /** Checks a learning rate (finite, &gt; 0), naming the value. */
    static double learningRate(double learningRate) {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be a finite value > 0, got " + learningRate);
        }
        return learningRate;
    }
}
