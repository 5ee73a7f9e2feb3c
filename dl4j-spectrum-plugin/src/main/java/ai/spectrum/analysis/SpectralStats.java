package ai.spectrum.analysis;

/**
 * The spectral statistics of one weight matrix under one {@link SnrRule}.
 *
 * @param rows       rows of the analysed matrix (after 1-D → 1×d and N-D → [shape[0], rest])
 * @param cols       columns of the analysed matrix
 * @param sigmaMax   the largest singular value
 * @param sigmaNoise IQR(s)/1.349 with linearly interpolated quantiles
 * @param tau        the threshold σ̂·(1+√β), β = min(n,m)/max(n,m)
 * @param nSignal    how many singular values lie strictly above τ
 * @param snr        (signal/noise)/σ_max, the value the original tool reports; may be +∞, NaN for a zero matrix
 */
public record SpectralStats(long rows, long cols, double sigmaMax, double sigmaNoise, double tau, int nSignal,
                            double snr) {
    public SpectralStats {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("matrix must be at least 1x1, got " + rows + "x" + cols);
        }
        if (nSignal < 0 || nSignal > Math.min(rows, cols)) {
            throw new IllegalArgumentException("nSignal " + nSignal + " outside [0, " + Math.min(rows, cols) + "]");
        }
    }
}
