package ai.spectrum.analysis;

import org.bytedeco.javacpp.DoublePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;

/**
 * Eigenvalues (values only) of a symmetric float64 matrix, for the Gram route of {@link SingularValues}: the
 * parallel {@link BandReduction} from order {@link #BAND_MIN_ORDER} up, where it is faster, else the backend's
 * {@code syev}.
 *
 * <p>{@code syev} reduces the matrix to tridiagonal form with {@code dsytrd}, half of whose work is memory-bound
 * matrix–vector products: fast while the matrix fits the last-level cache, slow beyond. The band reduction does its
 * first stage in BLAS-3 tiles that the analysis worker threads share, then the band stage with LAPACK's
 * {@code dsbev_2stage}. Both are sequences of orthogonal similarity transformations, so both are backward stable:
 * the computed eigenvalues are exact for G + E with ‖E‖₂ = p(k)·ε·‖G‖₂, p a modest function of the order (LAPACK
 * Users' Guide, "Error Bounds for the Symmetric Eigenproblem"), and by Weyl's inequality each eigenvalue is off by
 * at most that much. The estimate of {@link SingularValues#gram} covers either routine. On this project's 2-core
 * machine (OpenBLAS 0.3.21, one thread, quiet): order 1,536: 0.21 s {@code syev}, 0.36 s band; 2,560: 1.16 s
 * ({@code dsyev_2stage}, used here before), 1.00 s band; 4,096: 4.48 s ({@code dsyev_2stage}), 3.3 s band on one
 * thread and 2.4 s on two.
 *
 * @param bandMinOrder the smallest order computed with the band reduction
 * @param band         whether the band reduction is available (the CPU backend's OpenBLAS)
 */
record SymmetricEigenvalues(int bandMinOrder, boolean band) {
    /** Smallest Gram order computed with the band reduction by default (see the class comment). */
    static final int BAND_MIN_ORDER = 2560;

    /** The default: the band reduction from {@link #BAND_MIN_ORDER} up when available. */
    static SymmetricEigenvalues standard() {
        return new SymmetricEigenvalues(BAND_MIN_ORDER, BandReduction.available());
    }

    /** {@code syev} for every order, as if the band reduction were unavailable. */
    static SymmetricEigenvalues syevOnly() {
        return new SymmetricEigenvalues(Integer.MAX_VALUE, false);
    }

    /** The band reduction when available from order {@code minOrder} up (for tests at small sizes). */
    static SymmetricEigenvalues bandFrom(int minOrder) {
        return new SymmetricEigenvalues(minOrder, BandReduction.available());
    }

    /** The routine used for order {@code k}: {@code "band"} or {@code "syev"}. */
    String routine(int k) {
        return usesBand(k) ? "band" : "syev";
    }

    /** Whether order {@code k} takes the band reduction, which reads the whole matrix, not only its upper half. */
    boolean usesBand(int k) {
        return band && k >= bandMinOrder;
    }

    /** The routine choice as one line, for provenance. */
    String describe() {
        return band ? "band reduction (tiles, then dsbev_2stage) from order " + bandMinOrder + ", else syev" : "syev";
    }

    /**
     * The eigenvalues of the k×k column-major matrix {@code a}, ascending. Destroys it.
     *
     * @param a     a float64 array whose data holds the matrix from offset 0 (leading dimension k): its upper
     *              triangle, and when {@link #usesBand} its lower one too
     * @param tasks runs the work: the band reduction's tiles and serial steps, or {@code syev} as one task (bits do
     *              not depend on it)
     * @throws IllegalStateException if LAPACK reports a failure
     */
    double[] ascending(INDArray a, int k, SingularValues.TaskRunner tasks) {
        if (usesBand(k)) {
            return BandReduction.ascending(new DoublePointer(a.data().addressPointer()), k, tasks);
        }
        double[][] out = new double[1][];
        tasks.runAll(List.of(() -> { // one task, so that it waits behind the tasks of larger matrices
            INDArray gram = a.length() == (long) k * k ? a.reshape('f', k, k)
                    : a.get(NDArrayIndex.interval(0, (long) k * k)).reshape('f', k, k);
            INDArray eig = Nd4j.create(DataType.DOUBLE, k);
            int info = Nd4j.getBlasWrapper().lapack().syev('N', 'U', gram, eig);
            if (info != 0) {
                throw new IllegalStateException("LAPACK syev failed with info=" + info + " on a " + k + "x" + k
                        + " Gram matrix");
            }
            out[0] = eig.toDoubleVector();
        }));
        return out[0];
    }
}
