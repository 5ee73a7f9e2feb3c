package ai.spectrum.analysis;

import org.bytedeco.javacpp.DoublePointer;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;

/**
 * Eigenvalues of a large symmetric float64 matrix in two stages, the first of them in parallel tiles: a blocked
 * Householder reduction to band form (half-bandwidth {@link #BAND}) whose matrix products are split into
 * {@link #TILE}-wide tiles run by a {@link SingularValues.TaskRunner}, then LAPACK's {@code dsbev_2stage} (band to
 * tridiagonal by bulge chasing, then {@code dsterf}) on one thread.
 *
 * <p>Why not LAPACK's own {@code dsyev_2stage} (used here before): its first stage ({@code dsytrd_sy2sb}) runs on
 * the calling thread (native BLAS is single-threaded in the analyzer, see {@link SpectrumAnalyzer}) at about half
 * of this machine's {@code dgemm} rate; on a 4,096² Gram matrix it took ~3.6 of the routine's 4.3–4.5 s, while the
 * band stage and {@code dsterf} took ~0.8 s. Here the first stage is {@code dgemm} calls on tiles (~2.4 s on one
 * thread, ~1.5 s on two), shared by the analysis worker threads.
 *
 * <p>Step j (columns j…j+b−1, b = {@link #BAND}): the panel below the diagonal block is factored as P = QR with
 * {@code dgeqrt} (Q = I − V T Vᵀ), R joins the band, and the trailing matrix A₂₂ becomes Qᵀ A₂₂ Q = A₂₂ − Y Vᵀ − V Yᵀ
 * with X = A₂₂ V T and Y = X − ½ V (Tᵀ Vᵀ X). Only the trailing matrix's lower tiles and its full diagonal tiles are
 * kept up to date (off-diagonal upper tiles are never read). Every step is a sequence of orthogonal similarity
 * transformations, so the method is backward stable like {@code dsyev}: the computed eigenvalues are exact for
 * A + E with ‖E‖₂ = p(n)·ε·‖A‖₂, and the error estimate of {@link SingularValues#gram} covers it.
 *
 * <p>Bits: the tiles, their order of accumulation and every BLAS call depend only on n, and native BLAS is
 * single-threaded, so the result is the same whichever threads run the tiles (checked by
 * {@code SingularValuesTests}).
 *
 * <p>The LAPACK routines ({@code LAPACKE_dgeqrt}, {@code LAPACKE_dsbev_2stage}) and {@code cblas_dgemm} on offset
 * pointers are not in ND4J's backend-neutral API, and the CUDA build must not depend on CPU backend classes, so
 * they are looked up once by reflection, only when the backend's LAPACK is the CPU backend's (which calls the same
 * OpenBLAS library), and checked on a 3×3 matrix. Where they are missing or fail, {@link #available()} is false
 * and {@link SymmetricEigenvalues} uses {@code syev}.
 */
final class BandReduction {
    /** Half-bandwidth of the intermediate band matrix (LAPACK's own choice for {@code dsyev_2stage} is 64 too). */
    static final int BAND = 64;
    /** Width of the tiles the trailing-matrix products are split into. */
    static final int TILE = 512;
    private static final Logger LOG = LoggerFactory.getLogger(BandReduction.class);
    private static final String CPU_LAPACK = "org.nd4j.linalg.cpu.nativecpu.blas.CpuLapack";
    private static final String OPENBLAS = "org.bytedeco.openblas.global.openblas";
    private static final String OPENBLAS_NOLAPACK = "org.bytedeco.openblas.global.openblas_nolapack";
    private static final int COL_MAJOR_LAPACKE = 102;
    private static final int CBLAS_COL_MAJOR = 102;
    private static final int CBLAS_NO_TRANS = 111;
    private static final int CBLAS_TRANS = 112;

    private BandReduction() {
    }

    /** Whether the CPU backend's OpenBLAS offers the routines this needs. */
    static boolean available() {
        return Routines.INSTANCE != null;
    }

    /**
     * The eigenvalues, ascending, of the n×n symmetric matrix stored column-major in {@code a} (leading dimension
     * n), whose lower triangle and diagonal blocks of the {@link #TILE} grid must both be filled (a fully stored
     * symmetric matrix qualifies). Destroys {@code a}.
     *
     * @throws IllegalStateException if the routines are unavailable or LAPACK reports a failure
     */
    static double[] ascending(DoublePointer a, int n, SingularValues.TaskRunner tasks) {
        Routines blas = Routines.INSTANCE;
        if (blas == null) {
            throw new IllegalStateException("the band reduction needs the CPU backend's OpenBLAS");
        }
        return ascending(a, n, tasks, blas);
    }

    private static double[] ascending(DoublePointer a, int n, SingularValues.TaskRunner tasks, Routines blas) {
        int nb = Math.max(1, Math.min(BAND, n - 1));
        try (DoublePointer t = new DoublePointer((long) nb * nb);
             DoublePointer z = new DoublePointer((long) nb * nb);
             DoublePointer mm = new DoublePointer((long) nb * nb);
             DoublePointer left = new DoublePointer((long) n * 2 * nb);
             DoublePointer right = new DoublePointer((long) n * 2 * nb)) {
            List<Runnable> work = new ArrayList<>();
            for (int j = 0; j + nb < n; j += nb) {
                int r = j + nb;
                int mp = n - r;
                int kq = Math.min(nb, mp);
                int j0 = j;
                double[] col = new double[mp];
                // serial steps run as single tasks, so that they queue behind the work of larger matrices
                tasks.runAll(List.of(() -> {
                    // 1. panel A[r:n, j:j+nb] = Q R; V below the panel's diagonal, R on and above it; T kq×kq
                    blas.geqrt(mp, nb, kq, at(a, r + (long) j0 * n), n, t, kq);
                    for (int c = 0; c < kq; c++) {
                        for (int i = c + 1; i < kq; i++) {
                            t.put(i + (long) c * kq, 0.0); // T is upper triangular; dgeqrt leaves the rest unset
                        }
                    }
                    // 2. right = [V | ·], left = [· | V]: V explicit (unit lower trapezoidal), mp × kq, ld n
                    for (int c = 0; c < kq; c++) {
                        at(a, r + (long) (j0 + c) * n).get(col, 0, mp);
                        for (int i = 0; i < c; i++) {
                            col[i] = 0.0;
                        }
                        col[c] = 1.0;
                        at(right, (long) c * n).put(col, 0, mp);
                        at(left, (long) (kq + c) * n).put(col, 0, mp);
                    }
                }));
                // 3. left[:, 0:kq] = X = A22 · V · T, one row block of the tile grid per task
                work.clear();
                int firstBlock = r / TILE;
                int blocks = (n - 1) / TILE + 1;
                for (int p = firstBlock; p < blocks; p++) {
                    int p0 = Math.max(r, p * TILE);
                    int p1 = Math.min(n, (p + 1) * TILE);
                    work.add(() -> {
                        // A22[P, :] · V into right's spare columns [kq, 2kq): the part left of the row block's end
                        // (lower tiles and the full diagonal tile), then the part below it, transposed
                        DoublePointer acc = at(right, (long) kq * n + (p0 - r));
                        blas.gemm(false, false, p1 - p0, kq, p1 - r, 1.0, at(a, p0 + (long) r * n), n, right, n,
                                0.0, acc, n);
                        if (p1 < n) {
                            blas.gemm(true, false, p1 - p0, kq, n - p1, 1.0, at(a, p1 + (long) p0 * n), n,
                                    at(right, p1 - r), n, 1.0, acc, n);
                        }
                        blas.gemm(false, false, p1 - p0, kq, kq, 1.0, acc, n, t, kq, 0.0, at(left, p0 - r), n);
                    });
                }
                tasks.runAll(work);
                tasks.runAll(List.of(() -> {
                    // 4. Z = Vᵀ X, M = Tᵀ Z (kq × kq), then Y = X − ½ V M in left[:, 0:kq]; right = [V | Y]
                    blas.gemm(true, false, kq, kq, mp, 1.0, right, n, left, n, 0.0, z, kq);
                    blas.gemm(true, false, kq, kq, kq, 1.0, t, kq, z, kq, 0.0, mm, kq);
                    blas.gemm(false, false, mp, kq, kq, -0.5, right, n, mm, kq, 1.0, left, n);
                    for (int c = 0; c < kq; c++) {
                        at(left, (long) c * n).get(col, 0, mp);
                        at(right, (long) (kq + c) * n).put(col, 0, mp);
                    }
                }));
                // 5. A22 −= [Y V]·[V Y]ᵀ on the lower and diagonal tiles
                work.clear();
                for (int p = firstBlock; p < blocks; p++) {
                    for (int q = firstBlock; q <= p; q++) {
                        int p0 = Math.max(r, p * TILE);
                        int p1 = Math.min(n, (p + 1) * TILE);
                        int q0 = Math.max(r, q * TILE);
                        int q1 = Math.min(n, (q + 1) * TILE);
                        work.add(() -> blas.gemm(false, true, p1 - p0, q1 - q0, 2 * kq, -1.0, at(left, p0 - r), n,
                                at(right, q0 - r), n, 1.0, at(a, p0 + (long) q0 * n), n));
                    }
                }
                tasks.runAll(work);
            }
            double[][] out = new double[1][];
            tasks.runAll(List.of(() -> out[0] = blas.bandEigenvalues(band(a, n, nb), n, nb)));
            return out[0];
        }
    }

    /**
     * The band (lower storage, (nb+1) × n) of the reduced matrix: the lower triangles of the nb-wide diagonal
     * blocks and the upper triangles of the R factors below them; the Householder vectors stored beside R are
     * zeros of the reduced matrix.
     */
    private static DoublePointer band(DoublePointer a, int n, int nb) {
        int ld = nb + 1;
        double[] ab = new double[Math.multiplyExact(ld, n)];
        double[] col = new double[ld];
        for (int c = 0; c < n; c++) {
            int j = c / nb * nb; // first column of c's panel
            int len = Math.min(ld, n - c);
            at(a, c + (long) c * n).get(col, 0, len);
            for (int d = 0; d < len; d++) {
                int i = c + d;
                boolean diagonalBlock = i < j + nb;
                boolean upperOfR = !diagonalBlock && i - (j + nb) <= c - j;
                ab[d + c * ld] = diagonalBlock || upperOfR ? col[d] : 0.0;
            }
        }
        return new DoublePointer(ab);
    }

    private static DoublePointer at(DoublePointer base, long offset) {
        return new DoublePointer(base).position(base.position() + offset);
    }

    /** The OpenBLAS entry points, found once. */
    private record Routines(MethodHandle dgemm, MethodHandle dgeqrt, MethodHandle dsbev2stage) {
        static final Routines INSTANCE = find();

        private static Routines find() {
            String lapack = Nd4j.getBlasWrapper().lapack().getClass().getName();
            if (!CPU_LAPACK.equals(lapack)) {
                LOG.debug("band reduction unavailable: {} is not the CPU backend's OpenBLAS LAPACK", lapack);
                return null;
            }
            try {
                Class<?> ob = Class.forName(OPENBLAS, true, BandReduction.class.getClassLoader());
                // dgemm from the same binding as ND4J's own BLAS calls, whose thread count the analyzer limits
                Class<?> blasOnly = Class.forName(OPENBLAS_NOLAPACK, true, BandReduction.class.getClassLoader());
                MethodHandles.Lookup lookup = MethodHandles.publicLookup();
                MethodHandle gemm = lookup.findStatic(blasOnly, "cblas_dgemm", MethodType.methodType(void.class, int.class,
                        int.class, int.class, int.class, int.class, int.class, double.class, DoublePointer.class,
                        int.class, DoublePointer.class, int.class, double.class, DoublePointer.class, int.class));
                MethodHandle geqrt = lookup.findStatic(ob, "LAPACKE_dgeqrt", MethodType.methodType(int.class,
                        int.class, int.class, int.class, int.class, DoublePointer.class, int.class,
                        DoublePointer.class, int.class));
                MethodHandle sbev = lookup.findStatic(ob, "LAPACKE_dsbev_2stage", MethodType.methodType(int.class,
                        int.class, byte.class, byte.class, int.class, int.class, DoublePointer.class, int.class,
                        DoublePointer.class, DoublePointer.class, int.class));
                Routines r = new Routines(gemm, geqrt, sbev);
                // check on a 3×3 matrix with eigenvalues 1, 2 and 4: [[1, 0, 0], [0, 3, 1], [0, 1, 3]]
                try (DoublePointer m = new DoublePointer(1.0, 0.0, 0.0, 0.0, 3.0, 1.0, 0.0, 1.0, 3.0)) {
                    double[] w = BandReduction.ascending(m, 3, SingularValues.TaskRunner.inline(), r);
                    if (Math.abs(w[0] - 1) > 1e-12 || Math.abs(w[1] - 2) > 1e-12 || Math.abs(w[2] - 4) > 1e-12) {
                        LOG.debug("band reduction unavailable: its check returned {}", java.util.Arrays.toString(w));
                        return null;
                    }
                }
                return r;
            } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                LOG.debug("band reduction unavailable: {}", e.toString());
                return null;
            }
        }

        void gemm(boolean transA, boolean transB, int m, int n, int k, double alpha, DoublePointer a, int lda,
                  DoublePointer b, int ldb, double beta, DoublePointer c, int ldc) {
            try {
                dgemm.invokeExact(CBLAS_COL_MAJOR, transA ? CBLAS_TRANS : CBLAS_NO_TRANS,
                        transB ? CBLAS_TRANS : CBLAS_NO_TRANS, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("cblas_dgemm failed: " + e, e);
            }
        }

        void geqrt(int m, int n, int nb, DoublePointer a, int lda, DoublePointer t, int ldt) {
            int info;
            try {
                info = (int) dgeqrt.invokeExact(COL_MAJOR_LAPACKE, m, n, nb, a, lda, t, ldt);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("LAPACK dgeqrt failed: " + e, e);
            }
            if (info != 0) {
                throw new IllegalStateException("LAPACK dgeqrt failed with info=" + info + " on a " + m + "x" + n
                        + " panel");
            }
        }

        double[] bandEigenvalues(DoublePointer ab, int n, int kd) {
            try (ab; DoublePointer w = new DoublePointer(n); DoublePointer z = new DoublePointer(1)) {
                int info;
                try {
                    info = (int) dsbev2stage.invokeExact(COL_MAJOR_LAPACKE, (byte) 'N', (byte) 'L', n, kd, ab, kd + 1,
                            w, z, 1);
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable e) {
                    throw new IllegalStateException("LAPACK dsbev_2stage failed: " + e, e);
                }
                if (info != 0) {
                    throw new IllegalStateException("LAPACK dsbev_2stage failed with info=" + info + " on a band"
                            + " matrix of order " + n);
                }
                double[] out = new double[n];
                w.get(out);
                return out;
            }
        }
    }

}
