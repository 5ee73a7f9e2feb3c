package ai.spectrum.analysis;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Singular values of a 2-D matrix in float64, through the backend's LAPACK.
 *
 * <p>ND4J 1.0.0-M2.1's own {@code svd} op and {@code Nd4j.linalg().svd} are broken (wrong arguments, SIGSEGV in the
 * divide-and-conquer path) and are never called. Every result is checked against the invariant
 * Σs² = ‖W‖²_F, which catches faulty LAPACK builds such as the OpenBLAS 0.3.19 bundled with M2.1.
 */
public final class SingularValues {
    /** Gram eigenvalues are trusted while λ_min/λ_max ≥ this (σ_min/σ_max ≥ 1e-3, relative error ≤ ~1e-10). */
    static final double GRAM_MIN_EIGEN_RATIO = 1e-6;
    /** Relative tolerance of the Σs² = ‖W‖²_F self-check. */
    static final double FROBENIUS_TOLERANCE = 1e-9;

    private SingularValues() {
    }

    /**
     * Computes all min(n, m) singular values, descending.
     *
     * @param matrix a rank-2 array of a floating-point type with only finite values (not modified)
     * @param method how to compute them
     * @return the singular values, descending
     * @throws IllegalArgumentException if the matrix is not rank 2 or not floating point
     * @throws IllegalStateException    if LAPACK fails or its result violates Σs² = ‖W‖²_F
     */
    public static double[] of(INDArray matrix, SvdMethod method) {
        if (matrix.rank() != 2) {
            throw new IllegalArgumentException("expected a rank-2 matrix, got shape "
                    + java.util.Arrays.toString(matrix.shape()));
        }
        if (!matrix.dataType().isFPType()) {
            throw new IllegalArgumentException("expected a floating-point matrix, got " + matrix.dataType());
        }
        INDArray w = matrix.castTo(DataType.DOUBLE);
        double frobeniusSq = w.norm2Number().doubleValue();
        frobeniusSq *= frobeniusSq;
        double[] s;
        if (method == SvdMethod.GESVD) {
            s = gesvd(w);
        } else {
            s = gram(w);
            if (method == SvdMethod.AUTO && s[0] > 0
                    && (s[s.length - 1] * s[s.length - 1]) < GRAM_MIN_EIGEN_RATIO * s[0] * s[0]) {
                s = gesvd(w);
            }
        }
        checkFrobenius(s, frobeniusSq);
        return s;
    }

    private static double[] gram(INDArray w) {
        long n = w.rows();
        long m = w.columns();
        INDArray g = n <= m ? w.mmul(w.transpose()) : w.transpose().mmul(w);
        g = g.dup('f');
        long k = g.rows();
        INDArray eig = Nd4j.create(DataType.DOUBLE, k);
        int info = Nd4j.getBlasWrapper().lapack().syev('N', 'U', g, eig);
        if (info != 0) {
            throw new IllegalStateException("LAPACK syev failed with info=" + info + " on a " + k + "x" + k
                    + " Gram matrix");
        }
        double[] lambda = eig.toDoubleVector();
        double[] s = new double[lambda.length];
        for (int i = 0; i < lambda.length; i++) {
            // ascending eigenvalues → descending singular values; rounding can make tiny eigenvalues negative
            s[i] = Math.sqrt(Math.max(0.0, lambda[lambda.length - 1 - i]));
        }
        return s;
    }

    private static double[] gesvd(INDArray w) {
        long k = Math.min(w.rows(), w.columns());
        INDArray a = w.dup('f');
        INDArray sv = Nd4j.create(DataType.DOUBLE, k);
        Nd4j.getBlasWrapper().lapack().gesvd(a, sv, null, null);
        double[] s = sv.toDoubleVector();
        java.util.Arrays.sort(s);
        for (int i = 0, j = s.length - 1; i < j; i++, j--) {
            double t = s[i];
            s[i] = s[j];
            s[j] = t;
        }
        return s;
    }

    private static void checkFrobenius(double[] s, double frobeniusSq) {
        double sum = 0;
        for (double v : s) {
            sum += v * v;
        }
        double scale = Math.max(frobeniusSq, Double.MIN_NORMAL);
        if (!(Math.abs(sum - frobeniusSq) <= FROBENIUS_TOLERANCE * scale)) {
            throw new IllegalStateException(String.format(
                    "LAPACK returned inconsistent singular values: sum of squares %.17g but ||W||_F^2 = %.17g. "
                            + "The BLAS/LAPACK build is faulty (OpenBLAS 0.3.19 bundled with ND4J 1.0.0-M2.1 is known "
                            + "to be wrong for non-square float64 input); pin org.bytedeco:openblas:0.3.21-1.5.8.",
                    sum, frobeniusSq));
        }
    }
}
