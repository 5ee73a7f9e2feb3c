package ai.spectrum.analysis;

import org.bytedeco.javacpp.DoublePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Eigenvalues (values only) of a symmetric float64 matrix, for the Gram route of {@link SingularValues}: LAPACK's
 * two-stage {@code dsyev_2stage} from order {@link #TWO_STAGE_MIN_ORDER} up, where it is faster, else the backend's
 * {@code syev}.
 *
 * <p>{@code dsyev} reduces the matrix to tridiagonal form with {@code dsytrd}, half of whose work is memory-bound
 * matrix–vector products; {@code dsyev_2stage} first reduces to band form with BLAS-3 blocks ({@code dsytrd_sy2sb}),
 * then the band to tridiagonal ({@code dsytrd_sb2st}), then both run {@code dsterf}. Both reductions are sequences
 * of Householder (orthogonal) similarity transformations, so both are backward stable: the computed eigenvalues
 * are exact for G + E with ‖E‖₂ = p(k)·ε·‖G‖₂, p a modest function of the order (LAPACK Users' Guide, "Error Bounds
 * for the Symmetric Eigenproblem"), and by Weyl's inequality each eigenvalue is off by at most that much. The
 * estimate of {@link SingularValues#gram} covers either routine. On this project's 2-core machine (OpenBLAS
 * 0.3.21, one thread, indicative timings under light load) the two-stage routine took 1.3–1.8× as long as
 * {@code dsyev} up to order 2,048, about as long at 2,304–2,560, and 0.7× from 2,816 (4,096: 4.6 s instead of
 * 6.3 s), once the matrix no longer fits the 32 MiB last-level cache.
 *
 * <p>ND4J's backend-neutral {@code lapack()} has no two-stage routine, and the CUDA build must not depend on CPU
 * backend classes, so {@code org.bytedeco.openblas.global.openblas.LAPACKE_dsyev_2stage} is looked up once by
 * reflection, only when the backend's LAPACK is the CPU backend's (which calls the same OpenBLAS library), and
 * checked on a 2×2 matrix; when it is absent or fails, every order uses {@code syev}. Both routines run on the
 * calling thread with the native thread count the caller set (one, in {@link SpectrumAnalyzer}), so results do not
 * depend on the analyzer's threads.
 *
 * @param twoStageMinOrder the smallest order computed with {@code dsyev_2stage}
 * @param twoStage         {@code LAPACKE_dsyev_2stage}, or {@code null} to use {@code syev} for every order
 */
record SymmetricEigenvalues(int twoStageMinOrder, MethodHandle twoStage) {
    /** Smallest Gram order computed with {@code dsyev_2stage} by default (see the class comment). */
    static final int TWO_STAGE_MIN_ORDER = 2560;
    private static final Logger LOG = LoggerFactory.getLogger(SymmetricEigenvalues.class);
    private static final String CPU_LAPACK = "org.nd4j.linalg.cpu.nativecpu.blas.CpuLapack";
    private static final String OPENBLAS = "org.bytedeco.openblas.global.openblas";
    private static final int LAPACK_COL_MAJOR = 102;

    /** The default: {@code dsyev_2stage} from {@link #TWO_STAGE_MIN_ORDER} up when available. */
    static SymmetricEigenvalues standard() {
        return new SymmetricEigenvalues(TWO_STAGE_MIN_ORDER, TwoStage.HANDLE);
    }

    /** {@code syev} for every order, as if {@code dsyev_2stage} were unavailable. */
    static SymmetricEigenvalues syevOnly() {
        return new SymmetricEigenvalues(Integer.MAX_VALUE, null);
    }

    /** {@code dsyev_2stage} when available from order {@code minOrder} up (for tests at small sizes). */
    static SymmetricEigenvalues twoStageFrom(int minOrder) {
        return new SymmetricEigenvalues(minOrder, TwoStage.HANDLE);
    }

    /** Whether {@code dsyev_2stage} was found on this backend. */
    static boolean twoStageAvailable() {
        return TwoStage.HANDLE != null;
    }

    /** The LAPACK routine used for order {@code k}: {@code "dsyev_2stage"} or {@code "syev"}. */
    String routine(int k) {
        return twoStage != null && k >= twoStageMinOrder ? "dsyev_2stage" : "syev";
    }

    /** The routine choice as one line, for provenance. */
    String describe() {
        return twoStage == null ? "syev" : "dsyev_2stage from order " + twoStageMinOrder + ", else syev";
    }

    /**
     * The eigenvalues of the k×k column-major matrix {@code a}, ascending. Reads only the upper triangle and
     * destroys it.
     *
     * @param a a float64 array whose data holds the matrix from offset 0 (leading dimension k)
     * @throws IllegalStateException if LAPACK reports a failure
     */
    double[] ascending(INDArray a, int k) {
        if (twoStage != null && k >= twoStageMinOrder) {
            try (DoublePointer w = new DoublePointer(k)) {
                int info = callTwoStage(twoStage, new DoublePointer(a.data().addressPointer()), k, w);
                if (info != 0) {
                    throw new IllegalStateException("LAPACK dsyev_2stage failed with info=" + info + " on a " + k
                            + "x" + k + " Gram matrix");
                }
                double[] out = new double[k];
                w.get(out);
                return out;
            }
        }
        INDArray gram = a.length() == (long) k * k ? a.reshape('f', k, k)
                : a.get(NDArrayIndex.interval(0, (long) k * k)).reshape('f', k, k);
        INDArray eig = Nd4j.create(DataType.DOUBLE, k);
        int info = Nd4j.getBlasWrapper().lapack().syev('N', 'U', gram, eig);
        if (info != 0) {
            throw new IllegalStateException("LAPACK syev failed with info=" + info + " on a " + k + "x" + k
                    + " Gram matrix");
        }
        return eig.toDoubleVector();
    }

    private static int callTwoStage(MethodHandle h, DoublePointer a, int k, DoublePointer w) {
        try {
            return (int) h.invokeExact(LAPACK_COL_MAJOR, (byte) 'N', (byte) 'U', k, a, k, w);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("LAPACK dsyev_2stage failed: " + t, t);
        }
    }

    /** The two-stage routine, looked up once. */
    private static final class TwoStage {
        static final MethodHandle HANDLE = find();

        private static MethodHandle find() {
            String lapack = Nd4j.getBlasWrapper().lapack().getClass().getName();
            if (!CPU_LAPACK.equals(lapack)) {
                LOG.debug("Gram eigenvalues: syev ({} is not the CPU backend's OpenBLAS LAPACK)", lapack);
                return null;
            }
            try {
                MethodHandle h = MethodHandles.publicLookup().findStatic(
                        Class.forName(OPENBLAS, true, SymmetricEigenvalues.class.getClassLoader()),
                        "LAPACKE_dsyev_2stage", MethodType.methodType(int.class, int.class, byte.class, byte.class,
                                int.class, DoublePointer.class, int.class, DoublePointer.class));
                // [[2, 1], [1, 2]] has eigenvalues 1 and 3
                try (DoublePointer a = new DoublePointer(2.0, 1.0, 1.0, 2.0); DoublePointer w = new DoublePointer(2)) {
                    int info = callTwoStage(h, a, 2, w);
                    if (info != 0 || Math.abs(w.get(0) - 1) > 1e-12 || Math.abs(w.get(1) - 3) > 1e-12) {
                        LOG.debug("Gram eigenvalues: syev (dsyev_2stage failed its check: info={}, values {} {})",
                                info, w.get(0), w.get(1));
                        return null;
                    }
                }
                LOG.debug("Gram eigenvalues: dsyev_2stage from order {} up, syev below", TWO_STAGE_MIN_ORDER);
                return h;
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                LOG.debug("Gram eigenvalues: syev (dsyev_2stage unavailable: {})", e.toString());
                return null;
            }
        }
    }
}
