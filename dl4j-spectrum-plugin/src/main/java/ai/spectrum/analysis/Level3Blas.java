package ai.spectrum.analysis;

import org.nd4j.linalg.api.blas.Level3;
import org.nd4j.linalg.api.blas.impl.BaseLevel3;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Column-major {@code dgemm} and {@code dsyrk} with explicit leading dimensions and sizes, on float64 arrays whose
 * data starts at offset 0. ND4J 1.0.0-M2.1's public {@code Level3.syrk} passes K = 1 (wrong), and its public
 * {@code gemm} copies views; the backend's own {@code BaseLevel3.dgemm}/{@code dsyrk} (protected, implemented by the
 * CPU and the CUDA backend alike) take the BLAS arguments directly, so they are called reflectively.
 */
final class Level3Blas {
    private static final Method DGEMM;
    private static final Method DSYRK;

    static {
        try {
            DGEMM = BaseLevel3.class.getDeclaredMethod("dgemm", char.class, char.class, char.class, int.class,
                    int.class, int.class, double.class, INDArray.class, int.class, INDArray.class, int.class,
                    double.class, INDArray.class, int.class);
            DSYRK = BaseLevel3.class.getDeclaredMethod("dsyrk", char.class, char.class, char.class, int.class,
                    int.class, double.class, INDArray.class, int.class, double.class, INDArray.class, int.class);
            DGEMM.setAccessible(true);
            DSYRK.setAccessible(true);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private Level3Blas() {
    }

    /** C[m×n] = op(A)·op(B) + beta·C, column-major ({@code op} is the identity for 'N', transpose for 'T'). */
    static void gemm(char transA, char transB, int m, int n, int k, INDArray a, int lda, INDArray b, int ldb,
                     double beta, INDArray c, int ldc) {
        invoke(DGEMM, 'f', transA, transB, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
    }

    /** Upper triangle of C[n×n] = A·Aᵀ + beta·C (trans 'N', A n×k) or Aᵀ·A + beta·C (trans 'T', A k×n). */
    static void syrk(char trans, int n, int k, INDArray a, int lda, double beta, INDArray c, int ldc) {
        invoke(DSYRK, 'f', 'U', trans, n, k, 1.0, a, lda, beta, c, ldc);
    }

    private static void invoke(Method method, Object... args) {
        Level3 level3 = Nd4j.getBlasWrapper().level3();
        if (!(level3 instanceof BaseLevel3)) {
            throw new IllegalStateException("the ND4J backend's BLAS (" + level3.getClass().getName()
                    + ") does not extend BaseLevel3");
        }
        try {
            method.invoke(level3, args);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot call BLAS " + method.getName() + ": " + e.getMessage(), e);
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException("BLAS " + method.getName() + " failed: " + c, c);
        }
    }
}
