package ai.spectrum.analysis;

import org.bytedeco.javacpp.DoublePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Singular values of a 2-D matrix in float64, through the backend's LAPACK.
 *
 * <p>ND4J 1.0.0-M2.1's own {@code svd} op and {@code Nd4j.linalg().svd} are broken (wrong arguments, SIGSEGV in the
 * divide-and-conquer path) and are never called. Every result is checked against the invariant
 * Σs² = ‖W‖²_F, which catches faulty LAPACK builds such as the OpenBLAS 0.3.19 bundled with M2.1.
 */
public final class SingularValues {
    /** Elements of one float64 slab of the Gram accumulation (16 MiB). */
    static final long SLAB_ELEMENTS = 1L << 21;
    /** Fewest rows of a slab (the inner dimension of each tile product). */
    static final long MIN_SLAB_ROWS = 256;
    /** Width of the Gram matrix's tiles: the unit of parallel work inside one matrix. */
    static final int GRAM_BLOCK = 256;
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
     * Singular values as square roots of the eigenvalues (values only) of the float64 Gram matrix of the smaller
     * side: 2–3× faster than {@code gesvd}. The eigenvalues come from LAPACK {@code syev}, or for Gram matrices of
     * order 2,560 and more from the two-stage {@code dsyev_2stage} where the backend has it (about 30 % faster at
     * 4,096; see {@code SymmetricEigenvalues}); both are backward stable, so the same estimate covers both. Error
     * estimate per value: min(√δλ, δλ/σ) with δλ = 2(k + √m)·ε·λ_max for a k×k Gram matrix summed over m terms, so
     * squaring costs accuracy only in the smallest values. Runs on the calling thread.
     */
    public static Spectrum gram(INDArray matrix) {
        return gram(matrix, TaskRunner.inline());
    }

    /**
     * {@link #gram(INDArray)} with the Gram matrix's tiles computed by {@code tasks}, which may run them in
     * parallel. The Gram matrix is the sum, over slabs of the long side converted to float64, of
     * {@link #GRAM_BLOCK}-wide tiles of its upper triangle ({@code dsyrk} on the diagonal, {@code dgemm} above
     * it). The decomposition depends only on the matrix shape, and every tile is summed slab by slab in the same
     * order, so the result is bitwise the same whichever threads compute the tiles.
     */
    static Spectrum gram(INDArray matrix, TaskRunner tasks) {
        return gram(matrix, tasks, SymmetricEigenvalues.standard());
    }

    /** {@link #gram(INDArray, TaskRunner)} with the given choice of eigenvalue routine. */
    static Spectrum gram(INDArray matrix, TaskRunner tasks, SymmetricEigenvalues eigen) {
        checkMatrix(matrix);
        long n = matrix.rows();
        long m = matrix.columns();
        boolean tall = n > m;
        int k = Math.toIntExact(Math.min(n, m));
        long len = Math.max(n, m);
        int slabRows = slabRows(k, len);
        int blocks = (k + GRAM_BLOCK - 1) / GRAM_BLOCK;
        HostMatrix source = HostMatrix.of(matrix);
        GramScratch scratch = GramScratch.forCurrentThread();
        INDArray[] block = new INDArray[blocks];
        INDArray[][] tile = new INDArray[blocks][blocks];
        for (int a = 0; a < blocks; a++) {
            block[a] = scratch.buffer("block" + a, (long) slabRows * width(a, k));
            for (int b = a; b < blocks; b++) {
                tile[a][b] = scratch.buffer("tile" + a + "," + b, (long) width(a, k) * width(b, k));
            }
        }
        double[] staging = scratch.staging((long) slabRows * Math.min(k, GRAM_BLOCK));
        double frobeniusSq = 0;
        List<Runnable> tileTasks = new ArrayList<>();
        for (long start = 0; start < len; start += slabRows) {
            int rows = (int) (Math.min(len, start + slabRows) - start);
            // Tall W (C order): block a holds W[slab, Ja]ᵀ column-major (|Ja| × rows); wide W: W[Ja, slab]ᵀ
            // (rows × |Ja|). Either way it is filled from contiguous runs of W.
            for (int a = 0; a < blocks; a++) {
                int wa = width(a, k);
                long j0 = (long) a * GRAM_BLOCK;
                if (tall) {
                    for (int i = 0; i < rows; i++) {
                        source.read((start + i) * m + j0, wa, staging, i * wa);
                    }
                } else {
                    for (int jj = 0; jj < wa; jj++) {
                        source.read((j0 + jj) * m + start, rows, staging, jj * rows);
                    }
                }
                int count = rows * wa;
                for (int i = 0; i < count; i++) {
                    frobeniusSq += staging[i] * staging[i];
                }
                new DoublePointer(block[a].data().addressPointer()).put(staging, 0, count);
            }
            double beta = start == 0 ? 0.0 : 1.0;
            tileTasks.clear();
            for (int a = 0; a < blocks; a++) {
                for (int b = a; b < blocks; b++) {
                    int wa = width(a, k);
                    int wb = width(b, k);
                    INDArray ba = block[a];
                    INDArray bb = block[b];
                    INDArray c = tile[a][b];
                    boolean diagonal = a == b;
                    tileTasks.add(() -> {
                        if (diagonal) {
                            Level3Blas.syrk(tall ? 'N' : 'T', wa, rows, ba, tall ? wa : rows, beta, c, wa);
                        } else if (tall) {
                            Level3Blas.gemm('N', 'T', wa, wb, rows, ba, wa, bb, wb, beta, c, wa);
                        } else {
                            Level3Blas.gemm('T', 'N', wa, wb, rows, ba, rows, bb, rows, beta, c, wa);
                        }
                    });
                }
            }
            tasks.runAll(tileTasks);
        }
        // assemble the upper triangle of G (column-major, k × k) from the tiles; LAPACK reads only the upper part
        INDArray gFlat = scratch.buffer("gram", (long) k * k);
        DoublePointer g = new DoublePointer(gFlat.data().addressPointer());
        double[] column = new double[Math.min(k, GRAM_BLOCK) * Math.min(k, GRAM_BLOCK)];
        for (int a = 0; a < blocks; a++) {
            for (int b = a; b < blocks; b++) {
                int wa = width(a, k);
                int wb = width(b, k);
                new DoublePointer(tile[a][b].data().addressPointer()).get(column, 0, wa * wb);
                for (int jj = 0; jj < wb; jj++) {
                    g.position((long) a * GRAM_BLOCK + ((long) b * GRAM_BLOCK + jj) * k).put(column, jj * wa, wa);
                }
            }
        }
        double[] lambda = eigen.ascending(gFlat, k);
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

    /** Rows (along the long side) of one float64 slab of the Gram accumulation of a k×len matrix. */
    static int slabRows(long k, long len) {
        return (int) Math.max(1, Math.min(len, Math.max(MIN_SLAB_ROWS, SLAB_ELEMENTS / k)));
    }

    private static int width(int block, int k) {
        return Math.min(GRAM_BLOCK, k - block * GRAM_BLOCK);
    }

    /** Frees the calling thread's reusable Gram buffers (rebuilt on the next call). */
    static void releaseScratch() {
        GramScratch.release();
    }

    /** Runs a batch of independent tasks and returns when all have finished. */
    @FunctionalInterface
    interface TaskRunner {
        /** Runs every task; rethrows the first task's failure. */
        void runAll(List<Runnable> tasks);

        /** Runs each task in turn on the calling thread. */
        static TaskRunner inline() {
            return tasks -> tasks.forEach(Runnable::run);
        }
    }

    /**
     * Singular values from LAPACK {@code gesvd} (values only); backward stable, so every value is accurate to
     * about k·ε·σ_max. Works on one column-major float64 copy of the matrix.
     */
    public static Spectrum gesvd(INDArray matrix) {
        checkMatrix(matrix);
        INDArray w = Nd4j.createUninitialized(DataType.DOUBLE, matrix.shape(), 'f').assign(matrix);
        double frobeniusSq = frobeniusSquared(w);
        long k = Math.min(w.rows(), w.columns());
        INDArray sv = Nd4j.create(DataType.DOUBLE, k);
        Nd4j.getBlasWrapper().lapack().gesvd(w, sv, null, null); // overwrites w
        double[] s = sv.toDoubleVector();
        Arrays.sort(s);
        for (int i = 0, j = s.length - 1; i < j; i++, j--) {
            double t = s[i];
            s[i] = s[j];
            s[j] = t;
        }
        checkFrobenius(s, frobeniusSq);
        double[] err = new double[s.length];
        Arrays.fill(err, 2 * k * EPS * s[0]);
        return new Spectrum(s, err);
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
