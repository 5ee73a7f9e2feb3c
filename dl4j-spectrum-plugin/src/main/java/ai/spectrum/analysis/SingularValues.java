package ai.spectrum.analysis;

import org.bytedeco.javacpp.DoublePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

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
    /** Narrowest tiles of the Gram matrix (see {@link #gramBlock}). */
    static final int MIN_GRAM_BLOCK = 256;
    /** Widest tiles of the Gram matrix (see {@link #gramBlock}). */
    static final int MAX_GRAM_BLOCK = 1024;
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
     * order 2,560 and more from a band reduction in tiles, then {@code dsbev_2stage}, where the backend has them
     * (see {@code SymmetricEigenvalues}); both are backward stable, so the same estimate covers both. Error
     * estimate per value: min(√δλ, δλ/σ) with δλ = 2(k + √m)·ε·λ_max for a k×k Gram matrix summed over m terms, so
     * squaring costs accuracy only in the smallest values. Runs on the calling thread.
     */
    public static Spectrum gram(INDArray matrix) {
        return gram(matrix, TaskRunner.inline());
    }

    /**
     * {@link #gram(INDArray)} with the Gram matrix's tiles computed by {@code tasks}, which may run them in
     * parallel. The Gram matrix is the sum, over slabs of the long side converted to float64, of
     * {@link #gramBlock}-wide tiles of its upper triangle ({@code dsyrk} on the diagonal, {@code dgemm} above
     * it). The decomposition depends only on the matrix shape, and every tile is summed slab by slab in the same
     * order, so the result is bitwise the same whichever threads compute the tiles. The band route's eigenvalue
     * reduction runs its tiles through {@code tasks} too, with the same property.
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
        int blockWidth = gramBlock(k);
        int blocks = (k + blockWidth - 1) / blockWidth;
        HostMatrix source = HostMatrix.of(matrix);
        GramScratch scratch = GramScratch.forCurrentThread();
        // two sets of slab blocks: slab s+1 is converted while the tiles of slab s are multiplied
        INDArray[][] block = new INDArray[2][blocks];
        INDArray[][] tile = new INDArray[blocks][blocks];
        for (int a = 0; a < blocks; a++) {
            for (int set = 0; set < 2; set++) {
                block[set][a] = scratch.buffer("block" + set + "," + a, (long) slabRows * width(a, k, blockWidth));
            }
            for (int b = a; b < blocks; b++) {
                tile[a][b] = scratch.buffer("tile" + a + "," + b,
                        (long) width(a, k, blockWidth) * width(b, k, blockWidth));
            }
        }
        double[] staging = scratch.staging((long) slabRows * Math.min(k, blockWidth));
        int slabs = Math.toIntExact((len + slabRows - 1) / slabRows);
        double[] slabFrobeniusSq = new double[slabs];
        IntFunction<Runnable> stage = s -> () -> {
            long start = (long) s * slabRows;
            int rows = (int) (Math.min(len, start + slabRows) - start);
            double sum = 0;
            // Tall W: block a holds W[slab, Ja]ᵀ column-major (|Ja| × rows); wide W: W[Ja, slab]ᵀ (rows × |Ja|)
            for (int a = 0; a < blocks; a++) {
                int wa = width(a, k, blockWidth);
                long j0 = (long) a * blockWidth;
                if (tall) {
                    source.readRowMajor(start, rows, j0, wa, staging);
                } else {
                    source.readRowMajor(j0, wa, start, rows, staging);
                }
                int count = rows * wa;
                for (int i = 0; i < count; i++) {
                    sum += staging[i] * staging[i];
                }
                new DoublePointer(block[s % 2][a].data().addressPointer()).put(staging, 0, count);
            }
            slabFrobeniusSq[s] = sum;
        };
        tasks.runAll(List.of(stage.apply(0)));
        List<Runnable> batch = new ArrayList<>();
        for (int s = 0; s < slabs; s++) {
            int rows = (int) (Math.min(len, (long) (s + 1) * slabRows) - (long) s * slabRows);
            double beta = s == 0 ? 0.0 : 1.0;
            batch.clear();
            if (s + 1 < slabs) {
                batch.add(stage.apply(s + 1));
            }
            for (int a = 0; a < blocks; a++) {
                for (int b = a; b < blocks; b++) {
                    int wa = width(a, k, blockWidth);
                    int wb = width(b, k, blockWidth);
                    INDArray ba = block[s % 2][a];
                    INDArray bb = block[s % 2][b];
                    INDArray c = tile[a][b];
                    boolean diagonal = a == b;
                    batch.add(() -> {
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
            tasks.runAll(batch);
        }
        double frobeniusSq = 0;
        for (double f : slabFrobeniusSq) {
            frobeniusSq += f;
        }
        // assemble the upper triangle of G (column-major, k × k) from the tiles, and the lower one for the band route
        INDArray gFlat = scratch.buffer("gram", (long) k * k);
        boolean fullMatrix = eigen.usesBand(k);
        tasks.runAll(List.of(() -> assemble(tile, k, blockWidth, fullMatrix, gFlat)));
        double[] lambda = eigen.ascending(gFlat, k, tasks.forEigenvalues());
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
     * Copies the upper triangle of the k×k Gram matrix from its tiles into {@code gram} (column-major), and with
     * {@code fullMatrix} the lower triangle too (each tile transposed; of a diagonal tile, its lower part).
     */
    private static void assemble(INDArray[][] tile, int k, int blockWidth, boolean fullMatrix, INDArray gram) {
        DoublePointer g = new DoublePointer(gram.data().addressPointer());
        int blocks = tile.length;
        double[] column = new double[Math.min(k, blockWidth) * Math.min(k, blockWidth)];
        double[] row = new double[Math.min(k, blockWidth)];
        for (int a = 0; a < blocks; a++) {
            for (int b = a; b < blocks; b++) {
                int wa = width(a, k, blockWidth);
                int wb = width(b, k, blockWidth);
                new DoublePointer(tile[a][b].data().addressPointer()).get(column, 0, wa * wb);
                for (int jj = 0; jj < wb; jj++) {
                    g.position((long) a * blockWidth + ((long) b * blockWidth + jj) * k).put(column, jj * wa, wa);
                }
                if (fullMatrix) {
                    for (int ii = 0; ii < wa; ii++) {
                        int from = a == b ? ii + 1 : 0;
                        for (int jj = from; jj < wb; jj++) {
                            row[jj] = column[ii + jj * wa];
                        }
                        g.position((long) b * blockWidth + from + ((long) a * blockWidth + ii) * k)
                                .put(row, from, wb - from);
                    }
                }
            }
        }
    }

    /** Rows (along the long side) of one float64 slab of the Gram accumulation of a k×len matrix. */
    static int slabRows(long k, long len) {
        return (int) Math.max(1, Math.min(len, Math.max(MIN_SLAB_ROWS, SLAB_ELEMENTS / k)));
    }

    /**
     * Width of the tiles of a k×k Gram matrix: the unit of parallel work inside one matrix. A quarter of k, rounded
     * up to a multiple of 128, within [{@link #MIN_GRAM_BLOCK}, {@link #MAX_GRAM_BLOCK}]: three or four block
     * columns (six to ten tiles per slab) for k from 1,025 to 4,096 and more beyond, so that several threads share
     * a matrix, and tiles as wide as that allows, because narrow tiles cost BLAS time: on this project's machine (OpenBLAS 0.3.21, one thread)
     * the Gram matrix of a 25,088 × 4,096 matrix took 10.0 s of BLAS in 256-wide tiles, 9.1 s in 512-wide and
     * 8.4 s in 1,024-wide ones (one {@code dsyrk} of the whole: 7.9 s). It depends only on k, so results stay
     * independent of the thread count.
     */
    static int gramBlock(int k) {
        int quarter = ((k + 3) / 4 + 127) / 128 * 128;
        return Math.max(MIN_GRAM_BLOCK, Math.min(MAX_GRAM_BLOCK, quarter));
    }

    private static int width(int block, int k, int blockWidth) {
        return Math.min(blockWidth, k - block * blockWidth);
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

        /**
         * The runner for the eigenvalue step of the same matrix: by default this one. A priority pool returns one
         * whose tasks go before every matrix's Gram tiles (see {@code TilePool}).
         */
        default TaskRunner forEigenvalues() {
            return this;
        }

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
