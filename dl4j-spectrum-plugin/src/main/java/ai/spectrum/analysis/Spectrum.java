package ai.spectrum.analysis;

/**
 * Singular values with an estimate of their absolute error.
 *
 * @param values     the singular values, descending
 * @param errorBound for each value, an estimate of its largest absolute error
 */
public record Spectrum(double[] values, double[] errorBound) {
    public Spectrum {
        if (values.length == 0 || values.length != errorBound.length) {
            throw new IllegalArgumentException("need as many error bounds as values (and at least one value), got "
                    + values.length + " values and " + errorBound.length + " bounds");
        }
        values = values.clone();
        errorBound = errorBound.clone();
    }

    /** A defensive copy of the values. */
    @Override
    public double[] values() {
        return values.clone();
    }

    /** A defensive copy of the error bounds. */
    @Override
    public double[] errorBound() {
        return errorBound.clone();
    }

    /** The largest singular value. */
    public double max() {
        return values[0];
    }
}
