package ai.spectrum.analysis;

import java.util.Arrays;

/**
 * Spectrum's signal-to-noise ratio from a vector of singular values: pure arithmetic, no linear algebra.
 */
public final class SnrMath {
    /** The IQR of a standard normal distribution: σ̂ = IQR / 1.349. */
    public static final double IQR_TO_SIGMA = 1.349;

    private SnrMath() {
    }

    /**
     * Computes the statistics of one matrix.
     *
     * @param singularValues the singular values, in any order (not modified), all finite and ≥ 0
     * @param rows           rows of the matrix
     * @param cols           columns of the matrix
     * @param rule           the rule for empty signal/noise sets
     * @return the statistics; {@code snr} is NaN when every singular value is zero
     * @throws IllegalArgumentException if the vector is empty, longer than min(rows, cols), or holds a negative
     *                                  or non-finite value
     */
    public static SpectralStats stats(double[] singularValues, long rows, long cols, SnrRule rule) {
        if (singularValues.length == 0 || singularValues.length > Math.min(rows, cols)) {
            throw new IllegalArgumentException("expected 1.." + Math.min(rows, cols) + " singular values for a "
                    + rows + "x" + cols + " matrix, got " + singularValues.length);
        }
        double[] s = singularValues.clone();
        Arrays.sort(s);
        if (!(s[0] >= 0) || !Double.isFinite(s[s.length - 1])) {
            throw new IllegalArgumentException("singular values must be finite and non-negative, got range ["
                    + s[0] + ", " + s[s.length - 1] + "]");
        }
        double sigmaMax = s[s.length - 1];
        double sigma = (quantile(s, 0.75) - quantile(s, 0.25)) / IQR_TO_SIGMA;
        double tau = sigma * (1 + Math.sqrt(beta(rows, cols)));
        double signal = 0;
        double noise = 0;
        int nSignal = 0;
        for (int i = s.length - 1; i >= 0; i--) {
            if (s[i] > tau) {
                signal += s[i];
                nSignal++;
            } else {
                noise += s[i];
            }
        }
        if (rule == SnrRule.CURRENT && nSignal == s.length) {
            noise = 1.0;
        }
        double ratio = noise != 0 ? signal / noise : Double.POSITIVE_INFINITY;
        double snr = sigmaMax == 0 ? Double.NaN : ratio / sigmaMax;
        return new SpectralStats(rows, cols, sigmaMax, sigma, tau, nSignal, snr);
    }

    /**
     * Whether errors within the spectrum's bounds could move the reported SNR by more than {@code relTol}
     * (relative) or move a value across τ. First-order propagation: the quartiles' errors move τ; the signal and
     * noise sums move by the sum of their values' bounds; σ_max by its bound.
     *
     * @return true when the value is determined to {@code relTol}
     */
    public static boolean isResolved(Spectrum spectrum, long rows, long cols, double relTol) {
        double[] v = spectrum.values(); // descending
        double[] e = spectrum.errorBound();
        int n = v.length;
        double sigma = (quantileDescending(v, 0.75) - quantileDescending(v, 0.25)) / IQR_TO_SIGMA;
        double tau = sigma * (1 + Math.sqrt(beta(rows, cols)));
        double dTau = (quantileError(e, n, 0.75) + quantileError(e, n, 0.25)) / IQR_TO_SIGMA
                * (1 + Math.sqrt(beta(rows, cols)));
        double signal = 0, noise = 0, dSignal = 0, dNoise = 0;
        int nNoise = 0;
        for (int i = 0; i < n; i++) {
            if (Math.abs(v[i] - tau) <= e[i] + dTau) {
                return false;
            }
            if (v[i] > tau) {
                signal += v[i];
                dSignal += e[i];
            } else {
                noise += v[i];
                dNoise += e[i];
                nNoise++;
            }
        }
        double rel = v[0] > 0 ? e[0] / v[0] : Double.POSITIVE_INFINITY;
        if (signal > 0) {
            rel += dSignal / signal;
        }
        if (nNoise > 0) {
            rel += noise > 0 ? dNoise / noise : Double.POSITIVE_INFINITY;
        }
        return rel <= relTol;
    }

    /** The q-quantile of descending values (linear interpolation). */
    private static double quantileDescending(double[] descending, double q) {
        int n = descending.length;
        double pos = q * (n - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, n - 1);
        double a = descending[n - 1 - lo];
        double b = descending[n - 1 - hi];
        return a + (b - a) * (pos - lo);
    }

    /** The error bound of the q-quantile: the larger of its two neighbours' bounds (descending order). */
    private static double quantileError(double[] errDescending, int n, double q) {
        double pos = q * (n - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, n - 1);
        return Math.max(errDescending[n - 1 - lo], errDescending[n - 1 - hi]);
    }

    /** β = min(n,m)/max(n,m). */
    public static double beta(long rows, long cols) {
        return (double) Math.min(rows, cols) / Math.max(rows, cols);
    }

    /**
     * The q-quantile of ascending-sorted values with linear interpolation (numpy's and torch's default).
     */
    static double quantile(double[] ascending, double q) {
        double pos = q * (ascending.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, ascending.length - 1);
        double frac = pos - lo;
        return ascending[lo] + (ascending[hi] - ascending[lo]) * frac;
    }
}
