package ai.spectrum.analysis;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * Singular values of a 2-D matrix in float64, through the backend's LAPACK.
 *
 * <p>ND4J 1.0.0-M2.1's own {@code svd} op and {@code Nd4j.linalg().svd} are broken (wrong arguments, SIGSEGV in the
 * divide-and-conquer path) and are never called. Every result is checked against the invariant
 * Σs² = ‖W‖²_F, which catches faulty LAPACK builds such as the OpenBLAS 0.3.19 bundled with M2.1.
 */
public final class SingularValues {
    /** Elements of one float64 slab of the Gram accumulation (8 MiB). */
    static final long SLAB_ELEMENTS = 1L << 20;
    /** Unit roundoff of float64. */
    static final double EPS = 0x1.0p-53;
    /** Relative tolerance of the Σs² = ‖W‖²_F self-check. */
    static final double FROBENIUS_TOLERANCE = 1e-9;
    /** {@link SvdMethod#AUTO} in {@link #of}: the Gram route is kept while every value's error is below this. */
    static final double AUTO_RELATIVE_ERROR = 1e-9;

    private SingularValues() {
    }

    /**
     * Computes all min(n, m) singular values, descending.
     *
     * @param matrix a rank-2 array of a floating-point type with only finite values (not modified)
     * @param method {@link SvdMethod#GRAM}, {@link SvdMethod#GESVD}, or {@link SvdMethod#AUTO}: here, the Gram
     *               route unless its error estimate exceeds 1e-9 of some value, then {@code gesvd}.
     *               ({@link SpectrumAnalyzer} applies a weaker, SNR-specific test.)
     * @return the singular values, descending
     * @throws IllegalArgumentException if the matrix is not rank 2 or not floating point
     * @throws IllegalStateException    if LAPACK fails or its result violates Σs² = ‖W‖²_F
     */
    public static double[] of(INDArray matrix, SvdMethod method) {
        return switch (method) {
            case GESVD -> gesvd(matrix).values();
            case GRAM -> gram(matrix).values();
            case AUTO -> {
                Spectrum g = gram(matrix);
                double[] v = g.values();
                double[] e = g.errorBound();
                boolean precise = true;
                for (int i = 0; i < v.length && precise; i++) {
                    precise = e[i] <= AUTO_RELATIVE_ERROR * v[i];
                }
                yield precise ? v : gesvd(matrix).values();
            }
        };
    }

    /**
     * Singular values as square roots of the eigenvalues ({@code syev}, values only) of the float64 Gram matrix
     * of the smaller side: 2–3× faster than {@code gesvd}. Error estimate per value: min(√δλ, δλ/σ) with
     * δλ = 2(k + √m)·ε·λ_max for a k×k Gram matrix summed over m terms, so squaring costs accuracy only in the
     * smallest values.
     */
    public static Spectrum gram(INDArray matrix) {
        checkMatrix(matrix);
        long n = matrix.rows();
        long m = matrix.columns();
        boolean tall = n > m;
        long k = Math.min(n, m);
        long len = Math.max(n, m);
        // G = Σ over slabs of the long side of Bᵀ·B (tall) or B·Bᵀ (wide), each slab converted to float64 in one
        // reused buffer: the working set stays at one slab instead of a float64 copy of the whole matrix.
        long slab = Math.max(1, Math.min(len, SLAB_ELEMENTS / k));
        INDArray buffer = Nd4j.createUninitialized(DataType.DOUBLE, tall ? new long[]{slab, k} : new long[]{k, slab}, 'f');
        INDArray g = Nd4j.createUninitialized(DataType.DOUBLE, new long[]{k, k}, 'f');
        double frobeniusSq = 0;
        for (long start = 0; start < len; start += slab) {
            long end = Math.min(len, start + slab);
            INDArray part = tall ? matrix.get(NDArrayIndex.interval(start, end), NDArrayIndex.all())
                    : matrix.get(NDArrayIndex.all(), NDArrayIndex.interval(start, end));
            INDArray b = end - start == slab ? buffer : (tall
                    ? buffer.get(NDArrayIndex.interval(0, end - start), NDArrayIndex.all())
                    : buffer.get(NDArrayIndex.all(), NDArrayIndex.interval(0, end - start)));
            b.assign(part);
            double f = b.norm2Number().doubleValue();
            frobeniusSq += f * f;
            Nd4j.gemm(b, b, g, tall, !tall, 1.0, start == 0 ? 0.0 : 1.0);
        }
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
        checkFrobenius(s, frobeniusSq);
        double dLambda = 2 * (k + Math.sqrt(Math.max(n, m))) * EPS * s[0] * s[0];
        double[] err = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            err[i] = s[i] > 0 ? Math.min(Math.sqrt(dLambda), dLambda / s[i]) : Math.sqrt(dLambda);
        }
        return new Spectrum(s, err);
    }

    /**
     * Singular values from LAPACK {@code gesvd} (values only); backward stable, so every value is accurate to
     * about k·ε·σ_max.
     */
    public static Spectrum gesvd(INDArray matrix) {
        INDArray w = toDouble(matrix);
        long k = Math.min(w.rows(), w.columns());
        INDArray sv = Nd4j.create(DataType.DOUBLE, k);
        Nd4j.getBlasWrapper().lapack().gesvd(w.dup('f'), sv, null, null);
        double[] s = sv.toDoubleVector();
        Arrays.sort(s);
        for (int i = 0, j = s.length - 1; i < j; i++, j--) {
            double t = s[i];
            s[i] = s[j];
            s[j] = t;
        }
        checkFrobenius(s, frobeniusSquared(w));
        double[] err = new double[s.length];
        Arrays.fill(err, 2 * k * EPS * s[0]);
        return new Spectrum(s, err);
    }

    private static INDArray toDouble(INDArray matrix) {
        checkMatrix(matrix);
        return matrix.castTo(DataType.DOUBLE);
    }

    private static void checkMatrix(INDArray matrix) {
        if (matrix.rank() != 2) {
            throw new IllegalArgumentException("expected a rank-2 matrix, got shape " + Arrays.toString(matrix.shape()));
        }
        if (!matrix.dataType().isFPType()) {
            throw new IllegalArgumentException("expected a floating-point matrix, got " + matrix.dataType());
        }
    }

    private static double frobeniusSquared(INDArray w) {
        double f = w.norm2Number().doubleValue();
        return f * f;
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
