package ai.spectrum.analysis;

/** How singular values are obtained. All methods work in float64 and use LAPACK through ND4J's backend. */
public enum SvdMethod {
    /**
     * Eigenvalues of the float64 Gram matrix of the smaller side ({@code syev}; a band reduction in parallel tiles
     * from order 2,560 on the CPU backend, see {@link SingularValues#gram(org.nd4j.linalg.api.ndarray.INDArray)}), falling
     * back to {@link #GESVD} when the Gram route's error estimate could move the SNR by more than 1e-10 relative
     * or move a singular value across τ (see {@link SnrMath#isResolved}). Default.
     */
    AUTO,
    /** Always the Gram matrix route: 2–3× faster, relative error ≈ ε·(σ_max/σ)² per value. */
    GRAM,
    /** Always LAPACK {@code gesvd} (values only), checked against ‖W‖²_F. */
    GESVD
}
